package rollout

// Unchanged are the services changed mode borrows without rendering them
// (envs.App.RenderBorrowing): each has a source print
// (envs.App.SourcePrints) and the baseline runs workloads or Jobs of it,
// every one marked with that same print — rendered from the same sources
// by the same berth, so their fingerprints are the branch's too. A
// service the baseline runs without prints (up by an older berth, or not
// converted from compose) is rendered and compared by fingerprint.
func Unchanged(prints map[string]string, base Baseline) map[string]bool {
	out := map[string]bool{}
	for svc, p := range prints {
		ws := base.Workloads[svc]
		same := p != "" && len(ws) > 0
		for _, w := range ws {
			same = same && w.SourcePrint == p
		}
		if same {
			out[svc] = true
		}
	}
	return out
}
