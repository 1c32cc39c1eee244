package k8s

import "slices"

// EnvFeeds lists the namespaces whose feeds run or wait to retry
// (ModeNamespaced), for tests.
func (w *Watcher) EnvFeeds() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for ns := range w.envs {
		out = append(out, ns)
	}
	slices.Sort(out)
	return out
}
