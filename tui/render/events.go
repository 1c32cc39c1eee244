package render

import (
	"fmt"

	"github.com/berth-dev/berth/k8s"
)

// EventColumns are the columns of the events view.
func EventColumns() []Column {
	return []Column{
		{Title: "LAST", Right: true},
		{Title: "TYPE"},
		{Title: "REASON", Max: 24},
		{Title: "OBJECT", Name: true, Max: 40, Drop: 2},
		{Title: "COUNT", Right: true, Drop: 4},
		{Title: "MESSAGE", Flex: true, Min: 16},
	}
}

// EventRow renders an event; warnings are KindBad.
func EventRow(e k8s.Event, c *Clock) Row {
	kind := KindNormal
	if e.Type == "Warning" {
		kind = KindBad
	}
	return Row{Cells: []string{c.Since(e.Last), e.Type, e.Reason, e.Object, fmt.Sprint(e.Count), OneLine(e.Message)}, Kind: kind}
}
