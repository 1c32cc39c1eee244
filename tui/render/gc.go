package render

// GCAction is what `berth gc` did, or would do with --dry-run, to one
// environment: lifecycle.Action's fields as GCRow shows them (render does
// not import lifecycle).
type GCAction struct {
	Kind                                      string // delete, sleep or skip
	Namespace, Project, Branch, Owner, Reason string
	Err                                       string // why it failed; "" when it did not
	DryRun                                    bool
	Skip                                      bool // the env was left alone
}

// GCColumns are the columns of gc's table.
func GCColumns() []Column {
	return []Column{
		{Title: "ACTION"},
		{Title: "NAMESPACE", Name: true, Max: 40, Flex: true, Min: 16, Want: 24},
		{Title: "PROJECT", Drop: 4, Max: 20},
		{Title: "BRANCH", Name: true, Drop: 3, Max: 30, Flex: true, Min: 12, Want: 24},
		{Title: "OWNER", Drop: 5, Max: 24},
		{Title: "REASON", Flex: true, Min: 12},
		{Title: "RESULT", Flex: true, Min: 8},
	}
}

// GCRow renders one gc action; its RESULT is "done", "dry run",
// "failed: <error>" or "-" for a skipped env.
func GCRow(a GCAction) Row {
	result, kind := "done", KindNormal
	switch {
	case a.Err != "":
		result, kind = "failed: "+OneLine(a.Err), KindBad
	case a.Skip:
		result, kind = "-", KindDim
	case a.DryRun:
		result = "dry run"
	}
	return Row{Cells: []string{a.Kind, a.Namespace, a.Project, orDash(a.Branch), orDash(a.Owner), OneLine(a.Reason), result}, Kind: kind}
}

// GCSavesColumn is the column `berth gc --dry-run` adds when it could
// price the envs: what each action saves a day.
func GCSavesColumn() Column { return Column{Title: "SAVES/DAY", Right: true} }

// GCSaves is the SAVES/DAY cell: saves (USD a day), "-" when unknown.
func GCSaves(saves *float64) string {
	if saves == nil {
		return "-"
	}
	return Dollars(*saves)
}
