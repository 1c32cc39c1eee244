package render

import (
	"fmt"

	"github.com/berth-dev/berth/status"
)

// EnvColumns are the columns of the environments list; project adds a
// PROJECT column (all-projects mode).
func EnvColumns(project bool) []Column {
	// With every project's envs, PROJECT tells them apart: COST/DAY
	// gives way first.
	costDrop := 4
	if project {
		costDrop = 8
	}
	cols := []Column{
		{Title: " ", TUIOnly: true},
		{Title: "NAMESPACE", Name: true, Max: 40, Flex: true, Min: 16, Want: 24},
		{Title: "BRANCH", Name: true, Drop: 3, Max: 30, Flex: true, Min: 12, Want: 24},
		{Title: "PR", Drop: 9, HideEmpty: true},
		{Title: "STATUS"},
		{Title: "REASON", Drop: 5, Flex: true, Min: 12},
		{Title: "SPOT/OD", Drop: 2},
		{Title: "COST/DAY", Drop: costDrop, Right: true},
		{Title: "OWNER", Drop: 7, Max: 24},
		{Title: "AGE", Drop: 6, Right: true, Fixed: 5},
		{Title: "EXPIRES", Drop: 4, Right: true, Fixed: 7},
		{Title: "BASELINE", Drop: 9, Max: 40, HideEmpty: true},
	}
	if project {
		cols = append(cols, Column{Title: "PROJECT", Drop: 8, Max: 20})
	}
	return cols
}

// EnvRow renders one environment at c's time; current marks the env of the checked-out
// branch with "*".
func EnvRow(st status.Env, c *Clock, current, project bool) Row {
	mark := ""
	if current {
		mark = "*"
	}
	cells := []string{
		mark,
		st.Namespace,
		orDash(st.Branch),
		PullRequest(st.PR),
		st.Label(),
		OneLine(st.Reason),
		SpotOnDemand(st),
		CostPerDay(st.Cost),
		orDash(st.Owner),
		c.Since(st.Created),
		c.Until(st.ExpiresAt),
		BaselineCell(st),
	}
	if project {
		cells = append(cells, orDash(st.Project))
	}
	return Row{Cells: cells, Kind: PhaseKind(st.Phase), Bold: current}
}

// EnvNotRunningRow is the row of the current branch when it has no env.
func EnvNotRunningRow(branch string, project bool) Row {
	cells := []string{"*", "-", branch, "", "not running: press u", "", "", "", "", "", "", ""}
	if project {
		cells = append(cells, "")
	}
	return Row{Cells: cells, Kind: KindDim, Bold: true}
}

// PullRequest is how a pull request number shows: "#42", "" for none.
func PullRequest(n int) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf("#%d", n)
}

// SpotOnDemand shows "spot/on-demand" pod counts, with "+n" pods on
// unknown or no nodes.
func SpotOnDemand(st status.Env) string {
	if st.Phase == status.PhaseNoAccess {
		return "?"
	}
	s := fmt.Sprintf("%d/%d", st.Spot, st.OnDemand)
	if st.Others > 0 {
		s += fmt.Sprintf(" +%d", st.Others)
	}
	return s
}

// PodCounts is "pods 6: spot 4, on-demand 2" plus pods on unknown nodes.
func PodCounts(st status.Env) string {
	if st.Phase == status.PhaseNoAccess {
		return "pods ?"
	}
	s := fmt.Sprintf("pods %d: spot %d, on-demand %d", st.Pods, st.Spot, st.OnDemand)
	if st.Others > 0 {
		s += fmt.Sprintf(", unknown %d", st.Others)
	}
	return s
}

// PhaseKind maps an env phase to a row style.
func PhaseKind(p status.Phase) Kind {
	switch p {
	case status.PhaseReady:
		return KindGood
	case status.PhaseProgressing:
		return KindWarn
	case status.PhaseFailed, status.PhaseMissing:
		return KindBad
	case status.PhaseSleeping, status.PhaseTerminating, status.PhaseEmpty, status.PhaseNoAccess:
		return KindDim
	}
	return KindNormal
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
