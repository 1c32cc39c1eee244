package render

import (
	"fmt"
	"time"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/k8s"
)

// BarWidth is the width of rollout progress bars.
const BarWidth = 10

// WorkloadColumns are the rollout lines of the detail view.
func WorkloadColumns() []Column {
	return []Column{
		{Title: "WORKLOAD", Max: 36, Name: true},
		{Title: "READY"},
		{Title: "UP-TO-DATE", Drop: 2, Right: true},
		{Title: "AVAILABLE", Drop: 3, Right: true},
		{Title: "ROLLOUT", Flex: true, Min: 11},
	}
}

// WorkloadRow renders a rollout line: progress bar of ready replicas,
// desired/updated/available counts, rollout state.
func WorkloadRow(w k8s.Workload) Row {
	state, reason := envs.Rollout(w)
	ready := fmt.Sprintf("%s %d/%d", Bar(int(w.Ready), int(w.Desired), BarWidth), w.Ready, w.Desired)
	roll := string(state)
	if reason != "" && state != envs.RolloutComplete {
		roll += ": " + OneLine(reason)
	}
	kind := KindGood
	switch state {
	case envs.RolloutProgressing, envs.RolloutPaused:
		kind = KindWarn
	case envs.RolloutFailed:
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
		{Title: "JOB", Max: 36, Name: true},
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
