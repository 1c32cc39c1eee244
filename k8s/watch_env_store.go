package k8s

// envStore writes one env feed's kind (kindRun) into the watcher's
// table: it converts each object (Kind.transform) and puts it in, or
// takes it out of, the kind's table under mu, ignoring a stopped kind's
// calls.
type envStore struct {
	w  *Watcher
	f  *envFeed
	kf *kindFeed
	k  *Kind
}

// live reports whether the store's kind still runs. Callers hold mu.
func (s *envStore) live() bool { return !s.f.gone && s.f.running[s.k.Resource] == s.kf }

// put adds or replaces obj.
func (s *envStore) put(obj any) error { return s.change(obj, false) }

// remove takes obj out.
func (s *envStore) remove(obj any) error { return s.change(obj, true) }

// change puts obj in the kind's table, or takes it out (gone).
func (s *envStore) change(obj any, gone bool) error {
	c, err := s.k.transform(obj)
	if err != nil {
		return err
	}
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	if !s.live() {
		return nil
	}
	_, _, ok := s.k.key(c)
	switch {
	case !ok:
		return nil
	case gone:
		s.k.remove(s.w, c)
	default:
		s.k.add(s.w, c)
	}
	s.w.signalLocked()
	return nil
}

// replace makes the table hold exactly list for the kind in the namespace
// (the initial list, or a re-list) and marks the kind synced.
func (s *envStore) replace(list []any) error {
	conv := make([]any, 0, len(list))
	for _, obj := range list {
		c, err := s.k.transform(obj)
		if err != nil {
			return err
		}
		conv = append(conv, c)
	}
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	if !s.live() {
		return nil
	}
	keys := make(map[string]struct{}, len(conv))
	for _, c := range conv {
		if _, key, ok := s.k.key(c); ok {
			s.k.add(s.w, c)
			keys[key] = struct{}{}
		}
	}
	s.k.dropBut(s.w, s.f.ns, keys)
	s.kf.synced = true
	s.w.metaDirty = true
	s.w.signalLocked()
	return nil
}
