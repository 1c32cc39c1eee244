package render

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteText writes cols and rows as a plain aligned table, the CLI's form
// of what the TUI draws: the same titles and cell texts, columns two
// spaces apart, nothing dropped or cut. Columns marked TUIOnly are left
// out, as are HideEmpty columns no row has a value for, and an empty cell prints "-" so every line splits into the same
// number of fields.
func WriteText(w io.Writer, cols []Column, rows []Row) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	line := func(cells []string) {
		var out []string
		for i, c := range cols {
			if c.TUIOnly || hidden(c, i, rows) {
				continue
			}
			cell := ""
			if i < len(cells) {
				cell = cells[i]
			}
			out = append(out, orDash(strings.TrimSpace(cell)))
		}
		fmt.Fprintln(tw, strings.Join(out, "\t"))
	}
	titles := make([]string, len(cols))
	for i, c := range cols {
		titles[i] = c.Title
	}
	line(titles)
	for _, r := range rows {
		line(r.Cells)
	}
	return tw.Flush()
}
