package rollout

import (
	"context"
	"fmt"
	"strings"
)

// planChanged is Up's first step in changed mode: read the baseline, keep
// only what differs (PlanChanged) and say what is deployed and borrowed.
func (u *upRun) planChanged(ctx context.Context) error {
	o := u.o.Changed
	if o == nil {
		return nil
	}
	const step = "baseline"
	u.emit(Event{Step: step, Phase: UpStarted, Message: "comparing with " + o.Baseline})
	fail := func(err error) error {
		u.emit(Event{Step: step, Phase: UpFailed, Message: err.Error()})
		return err
	}
	var base Baseline
	var err error
	if o.Read != nil {
		base = *o.Read
	} else if base, err = ReadBaseline(ctx, u.c.Typed, o.Baseline); err != nil {
		return fail(err)
	}
	p, err := PlanChanged(u.o.Objects, u.o.Env, base, *o)
	if err != nil {
		return fail(err)
	}
	u.o.Objects = p.Objects
	b := p.Borrowing
	var deployed []string
	for _, svc := range b.Deployed {
		deployed = append(deployed, svc+": "+p.Why[svc])
	}
	u.emit(Event{Step: step, Phase: UpDone, Borrowing: &b, Message: fmt.Sprintf("%d deployed here (%s), %d borrowed from %s; saves %d objects, %d pods",
		len(b.Deployed), strings.Join(deployed, "; "), len(b.Borrowed), b.Baseline, b.SavedObjects, b.SavedPods)})
	return nil
}
