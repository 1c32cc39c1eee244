package rollout

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-dev/berth/k8s"
)

// unit is one service of the plan's workload steps as Up runs it: applied
// as soon as every service it depends on is released, not when the whole
// step before it is done.
type unit struct {
	node *node
	step *stepRun
	deps []*unit

	started, applied bool
	// released: what depends on the service may start (a Job's pods
	// succeeded, a new workload's pods are Ready); done: its step may
	// count it (the Job is Complete, the rollout is complete).
	released, done bool
	deadline       time.Time
	pending        []string // why not done, per object, at the last check
}

// stepRun is a plan step run unit by unit: started with its first unit,
// done with its last.
type stepRun struct {
	step    Step
	units   []*unit
	start   time.Time
	started bool
	left    int
}

// applied is what applying one unit returned.
type applied struct {
	unit        *unit
	generations map[string]int64
	before      map[string]rolloutBefore
	err         error
}

// units builds the units of consecutive workload steps, wired to the
// units they depend on.
func units(steps []Step, members [][]*node) []*unit {
	byName := map[string]*unit{}
	var out []*unit
	for i, s := range steps {
		sr := &stepRun{step: s}
		for _, n := range members[i] {
			x := &unit{node: n, step: sr}
			sr.units = append(sr.units, x)
			sr.left++
			byName[n.name] = x
			out = append(out, x)
		}
	}
	for _, x := range out {
		for d := range x.node.deps {
			if dep := byName[d]; dep != nil {
				x.deps = append(x.deps, dep)
			}
		}
	}
	return out
}

// runUnits applies and waits for the units of a run of workload steps: a
// unit starts once all it depends on are released, so one slow service
// holds back only what depends on it. After a failure nothing more is
// started; applies under way are finished, then the error is returned.
func (u *upRun) runUnits(ctx context.Context, all []*unit) error {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ticks := u.w.Subscribe(wctx)
	stop := ctx.Done()
	results := make(chan applied)
	inflight := 0
	var failure error
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		for progressed := true; progressed && failure == nil; {
			for _, x := range all {
				if !x.started && depsReleased(x) {
					x.started = true
					u.startStep(x.step)
					inflight++
					go func() { results <- u.applyUnit(ctx, x) }()
				}
			}
			progressed, failure = u.checkUnits(ctx, all)
		}
		if failure != nil && inflight == 0 {
			return failure
		}
		if failure == nil && allDone(all) {
			return nil
		}
		resetTimer(timer, all, u.o.Now())
		select {
		case r := <-results:
			inflight--
			if r.err != nil {
				u.emit(Event{Step: r.unit.step.step.Name, Phase: UpFailed, Message: r.err.Error()})
				if failure == nil {
					failure = r.err
				}
				continue
			}
			maps.Copy(u.applied, r.generations)
			maps.Copy(u.before, r.before)
			r.unit.applied = true
			r.unit.deadline = u.o.Now().Add(u.o.Timeout)
		case _, ok := <-ticks:
			if !ok {
				ticks = nil
			}
		case <-timer.C:
		case <-stop:
			stop = nil
			if failure == nil {
				failure = fmt.Errorf("%s: %w", running(all), ctx.Err())
			}
		}
	}
}

// running names the steps with units started and not done.
func running(all []*unit) string {
	var names []string
	for _, x := range all {
		if x.started && !x.done && !slices.Contains(names, x.step.step.Name) {
			names = append(names, x.step.step.Name)
		}
	}
	return "step " + strings.Join(names, "; step ")
}

func depsReleased(x *unit) bool {
	for _, d := range x.deps {
		if !d.released {
			return false
		}
	}
	return true
}

func allDone(all []*unit) bool {
	for _, x := range all {
		if !x.done {
			return false
		}
	}
	return true
}

// resetTimer arms t for the earliest deadline of a unit being waited for.
func resetTimer(t *time.Timer, all []*unit, now time.Time) {
	next := time.Hour
	for _, x := range all {
		if x.applied && !x.done {
			next = min(next, max(x.deadline.Sub(now), 0))
		}
	}
	if !t.Stop() {
		select {
		case <-t.C:
		default:
		}
	}
	t.Reset(next)
}

func (u *upRun) startStep(s *stepRun) {
	if s.started {
		return
	}
	s.started = true
	s.start = u.o.Now()
	u.emit(Event{Step: s.step.Name, Phase: UpStarted, Message: stepSummary(s.step)})
}

// applyUnit applies one unit's objects, as runStep applies a step's, and
// returns their generations and what its workloads were before.
func (u *upRun) applyUnit(ctx context.Context, x *unit) applied {
	r := applied{unit: x, generations: map[string]int64{}}
	name := x.step.step.Name
	objs := x.node.objects
	if err := u.retryFailedJobs(ctx, objs); err != nil {
		r.err = err
		return r
	}
	if len(waitable(objs)) > 0 {
		r.before = u.recordBefore(ctx, objs)
	}
	var mu sync.Mutex
	err := u.c.ApplyAll(ctx, objs, u.o.Parallel, func(obj *unstructured.Unstructured) {
		mu.Lock()
		defer mu.Unlock()
		r.generations[objName(obj)] = obj.GetGeneration()
		u.emit(Event{Step: name, Object: objName(obj), Phase: UpApplied})
	})
	if err != nil {
		r.err = &UpError{Step: name, Reason: "apply failed", Err: err}
	}
	return r
}

// checkUnits judges every applied unit not done on the latest snapshot:
// it releases and completes units (progressed when one was released) or
// returns the first failure or timeout.
func (u *upRun) checkUnits(ctx context.Context, all []*unit) (progressed bool, failure error) {
	snap := u.w.Snapshot()
	now := u.o.Now()
	for _, x := range all {
		if !x.applied || x.done {
			continue
		}
		released, done, err := u.judge(ctx, snap, x)
		if err != nil {
			u.emit(Event{Step: x.step.step.Name, Phase: UpFailed, Message: err.Error()})
			return progressed, err
		}
		if released && !x.released {
			x.released = true
			progressed = true
		}
		if done {
			x.done = true
			if x.step.left--; x.step.left == 0 {
				u.emit(Event{Step: x.step.step.Name, Phase: UpDone, Message: fmt.Sprintf("in %s", now.Sub(x.step.start).Round(time.Millisecond))})
			}
			continue
		}
		if !now.Before(x.deadline) {
			err := &UpError{Step: x.step.step.Name, Reason: fmt.Sprintf("timed out after %s", u.o.Timeout), Details: x.pending}
			u.emit(Event{Step: x.step.step.Name, Phase: UpFailed, Message: err.Error()})
			return progressed, err
		}
	}
	return progressed, nil
}

// judge evaluates a unit's objects: released when each is released (or
// done), done when each is done; a failed object fails the unit with its
// pods' details.
func (u *upRun) judge(ctx context.Context, snap *k8s.Snapshot, x *unit) (released, done bool, err error) {
	s := x.step.step
	own := u.own
	released, done = true, true
	x.pending = x.pending[:0]
	for _, obj := range waitable(x.node.objects) {
		name := objName(obj)
		st := evaluate(snap, obj, s.Wait, u.applied[name], u.before[name], own)
		switch {
		case st.failed:
			e := &UpError{Step: s.Name, Object: name, Reason: st.reason, Details: podDetails(st.pods)}
			u.addFailureContext(ctx, e, st.pods)
			return false, false, e
		case st.done || st.released:
			if u.last[name] != "ready" {
				u.last[name] = "ready"
				u.emit(Event{Step: s.Name, Object: name, Phase: UpReady})
			}
			if !st.done {
				done = false
				x.pending = append(x.pending, name+": "+st.reason)
			}
		default:
			released, done = false, false
			x.pending = append(x.pending, name+": "+st.reason)
			if u.last[name] != st.reason {
				u.last[name] = st.reason
				u.emit(Event{Step: s.Name, Object: name, Phase: UpWaiting, Message: st.reason})
			}
		}
	}
	return released, done, nil
}
