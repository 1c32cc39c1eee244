package render

import (
	"fmt"
	"time"

	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/status"
)

// BarWidth is the width of rollout progress bars.
const BarWidth = 10

// WorkloadColumns are the rollout lines of the detail view.
func WorkloadColumns() []Column {
	return []Column{
		{Title: "WORKLOAD", Name: true, Flex: true, Min: 20, Want: 30, Max: 60},
		{Title: "READY"},
		{Title: "UP-TO-DATE", Drop: 2, Right: true},
		{Title: "AVAILABLE", Drop: 3, Right: true},
		{Title: "ROLLOUT", Flex: true, Min: 11, Want: 24},
	}
}

// WorkloadRow renders a rollout line: progress bar of ready replicas,
// desired/updated/available counts, rollout state.
func WorkloadRow(w k8s.Workload) Row {
	state, reason := status.Rollout(w)
	ready := fmt.Sprintf("%s %d/%d", Bar(int(w.Ready), int(w.Desired), BarWidth), w.Ready, w.Desired)
	roll := string(state)
	if reason != "" && state != status.RolloutComplete {
		roll += ": " + OneLine(reason)
	}
	kind := KindGood
	switch state {
	case status.RolloutProgressing, status.RolloutPaused:
		kind = KindWarn
	case status.RolloutFailed:
		kind = KindBad
	}
	if w.Desired == 0 {
		kind = KindDim
	}
	return Row{Cells: []string{w.Kind + "/" + w.Name, ready, fmt.Sprint(w.Updated), fmt.Sprint(w.Available), roll}, Kind: kind}
}

// JobColumns are the job lines of the detail view.
func JobColumns() []Column {
	return []Column{
		{Title: "JOB", Name: true, Flex: true, Min: 16, Want: 24, Max: 36},
		{Title: "RESULT"},
		{Title: "SUCCEEDED", Drop: 3, Right: true},
		{Title: "DURATION", Right: true},
		{Title: "AGE", Drop: 2, Right: true},
		{Title: "REASON", Flex: true, Min: 8, Drop: 4},
	}
}

// JobRow renders a job with its result and how long it ran.
func JobRow(j k8s.Job, c *Clock) Row {
	kind := KindWarn
	switch j.Result {
	case k8s.JobComplete:
		kind = KindGood
	case k8s.JobFailed:
		kind = KindBad
	}
	reason := j.Reason
	if j.Message != "" {
		reason = OneLine(j.Reason + ": " + j.Message)
	}
	return Row{Cells: []string{
		j.Name, string(j.Result), fmt.Sprintf("%d/%d", j.Succeeded, j.Completions),
		jobDuration(j, c), c.Since(j.Created), reason,
	}, Kind: kind}
}

// jobDuration is how long j ran, noting on c when it still grows.
func jobDuration(j k8s.Job, c *Clock) string {
	d := j.Duration(c.Now())
	return c.Running(d, j.Duration(c.Now().Add(time.Second)) != d)
}

// FoldRollouts splits rollouts into the ones to list and the number of
// Complete ones folded into one line; expanded lists every one.
func FoldRollouts(ws []k8s.Workload, expanded bool) (listed []k8s.Workload, complete int) {
	for _, w := range ws {
		if state, _ := status.Rollout(w); state == status.RolloutComplete {
			complete++
			if !expanded {
				continue
			}
		}
		listed = append(listed, w)
	}
	return listed, complete
}

// FoldLine is the line that stands for the complete rollouts, naming the
// key that folds or expands them.
func FoldLine(complete int, expanded bool, key string) string {
	noun := "rollouts"
	if complete == 1 {
		noun = "rollout"
	}
	verb := "expand"
	if expanded {
		verb = "fold"
	}
	return fmt.Sprintf("✓ %d %s complete — press %s to %s", complete, noun, key, verb)
}
