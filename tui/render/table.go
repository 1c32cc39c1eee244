// Package render turns snapshot data into table rows and lines of text. Its
// functions are pure: the same data and width give the same strings, which
// is what the unit and golden tests pin down.
package render

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Column describes one table column.
type Column struct {
	Title string
	// Drop orders columns for dropping on narrow terminals: the highest
	// goes first; 0 is never dropped.
	Drop int
	// Flex columns absorb missing width by truncating their cells.
	Flex bool
	// Name columns shorten cells in the middle (see Middle), not at the end.
	Name bool
	// Min is the narrowest a Flex column may get; Max caps any column (0: none).
	Min, Max int
	// Want is the width a Flex column keeps before any column is dropped
	// for room; below it, it only shrinks when dropping is not enough.
	Want int
	// Fixed is the width of a column whose cells change with the clock
	// (ages): the layout reserves it whatever the rows hold, so it stays
	// put while only the rows on screen are redrawn.
	Fixed int
	Right bool // right-align
	// TUIOnly marks a column only the interactive view has (the cursor's
	// current-branch mark); plain text tables (WriteText) leave it out.
	TUIOnly bool
	// HideEmpty leaves the column out of a table in which no row has a
	// value for it (PR: only environments deployed from pull requests).
	HideEmpty bool
}

// hidden reports a HideEmpty column i without a value in rows.
func hidden(c Column, i int, rows []Row) bool {
	if !c.HideEmpty {
		return false
	}
	for _, r := range rows {
		if i < len(r.Cells) && strings.TrimSpace(r.Cells[i]) != "" {
			return false
		}
	}
	return true
}

// Kind tells the view how to style a row.
type Kind int

// Row kinds.
const (
	KindNormal Kind = iota
	KindGood
	KindWarn
	KindBad
	KindDim
	KindCurrent // the env of the current git branch
)

// Row is one table row of plain-text cells.
type Row struct {
	Cells []string
	// Keep is a generated end of the first cell (a pod's "-7d9c4-x2x9p")
	// that a middle cut leaves whole, cutting the name before it instead.
	Keep string
	Kind Kind
	Bold bool // emphasised (the current branch)
}

// Layout fits columns into width: it drops droppable columns, highest Drop
// first, until the Flex columns fit at their Want width (failing that, at
// their Min), then narrows Flex columns, rightmost first. It returns the
// kept column indexes and their widths.
func Layout(cols []Column, rows []Row, width int) (keep []int, widths []int) {
	natural := make([]int, len(cols))
	for i, c := range cols {
		w := max(ansi.StringWidth(c.Title), c.Fixed)
		for _, r := range rows {
			if c.Fixed == 0 && i < len(r.Cells) {
				w = max(w, ansi.StringWidth(r.Cells[i]))
			}
		}
		if c.Max > 0 {
			w = min(w, c.Max)
		}
		natural[i] = w
	}
	for i, c := range cols {
		if !hidden(c, i, rows) {
			keep = append(keep, i)
		}
	}
	// floor is a flex column's width at a level: 0 natural, 1 wanted, 2 minimum.
	floor := func(c Column, natural, level int) int {
		hard := max(c.Min, ansi.StringWidth(c.Title))
		switch {
		case !c.Flex || level == 0:
			return natural
		case level == 1:
			return min(natural, max(c.Want, hard))
		}
		return min(natural, hard)
	}
	need := func(level int) int {
		total := 0
		for j, i := range keep {
			total += floor(cols[i], natural[i], level)
			if j > 0 {
				total += 2
			}
		}
		return total
	}
	// Drop columns (highest Drop first) until flex columns fit at their
	// wanted width, then if need be at their minimum.
	for level := 1; level <= 2; level++ {
		for need(level) > width {
			drop, at := 0, -1
			for j, i := range keep {
				if cols[i].Drop > drop {
					drop, at = cols[i].Drop, j
				}
			}
			if at < 0 {
				break
			}
			keep = append(keep[:at], keep[at+1:]...)
		}
		if need(level) <= width {
			break
		}
	}
	widths = make([]int, len(keep))
	for j, i := range keep {
		widths[j] = natural[i]
	}
	// Narrow flex columns, rightmost first: to their wanted width, then
	// to their minimum.
	excess := need(0) - width
	for level := 1; level <= 2 && excess > 0; level++ {
		for j := len(keep) - 1; j >= 0 && excess > 0; j-- {
			c := cols[keep[j]]
			cut := min(excess, widths[j]-floor(c, natural[keep[j]], level))
			if cut > 0 {
				widths[j] -= cut
				excess -= cut
			}
		}
	}
	return keep, widths
}

// Table renders a header line and one line per row, each at most width
// cells wide: columns are dropped or narrowed, never wrapped.
func Table(cols []Column, rows []Row, width int) (header string, lines []string) {
	g := NewGrid(cols, rows, width)
	lines = make([]string, len(rows))
	for n, r := range rows {
		lines[n] = g.Line(r)
	}
	return g.Header(), lines
}

// Grid is a table laid out once for its rows and drawn a row at a time,
// so a frame formats only the rows on screen.
type Grid struct {
	cols         []Column
	keep, widths []int
	width        int
	header       string
}

// NewGrid lays out cols for rows in width cells (see Layout).
func NewGrid(cols []Column, rows []Row, width int) *Grid {
	keep, widths := Layout(cols, rows, width)
	g := &Grid{cols: cols, keep: keep, widths: widths, width: width}
	titles := make([]string, len(cols))
	for i, c := range cols {
		titles[i] = c.Title
	}
	g.header = formatRow(cols, Row{Cells: titles}, keep, widths, width)
	return g
}

// Header is the line of column titles.
func (g *Grid) Header() string { return g.header }

// Line draws one row in the grid's layout.
func (g *Grid) Line(r Row) string { return formatRow(g.cols, r, g.keep, g.widths, g.width) }

func formatRow(cols []Column, r Row, keep, widths []int, width int) string {
	cells := r.Cells
	var b strings.Builder
	for j, i := range keep {
		if j > 0 {
			b.WriteString("  ")
		}
		cell := ""
		if i < len(cells) {
			cell = cells[i]
		}
		if cols[i].Name {
			keep := ""
			if i == 0 {
				keep = r.Keep
			}
			cell = MiddleKeep(cell, widths[j], keep)
		}
		b.WriteString(Pad(cell, widths[j], cols[i].Right))
	}
	return Fit(strings.TrimRight(b.String(), " "), width)
}

// Pad truncates s to w cells (ending in "…") and pads it to exactly w.
func Pad(s string, w int, right bool) string {
	s = Fit(s, w)
	gap := strings.Repeat(" ", max(0, w-ansi.StringWidth(s)))
	if right {
		return gap + s
	}
	return s + gap
}

// Fit truncates s to at most w cells, ending in "…" when cut.
func Fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// Width is the display width of s in cells, ignoring ANSI escapes.
func Width(s string) int { return ansi.StringWidth(s) }

// Middle shortens s to at most w cells by cutting out its middle, so both
// the start and the distinguishing end of a name stay visible:
// "snuba-sub…consumer-events". The end keeps the larger half. Widths count
// terminal cells, so wide runes are never split; s is treated as plain text.
func Middle(s string, w int) string {
	if w <= 0 {
		return ""
	}
	n := ansi.StringWidth(s)
	if n <= w {
		return s
	}
	if w == 1 {
		return "…"
	}
	start := ansi.Truncate(s, (w-1)/2, "")
	tail := w - 1 - ansi.StringWidth(start) // cells a wide rune left unused go to the end
	// Cut from the left until what is left fits the tail's cells; a wide
	// rune that straddles the cut goes, leaving a cell unused.
	cut := n - tail
	end := ansi.TruncateLeft(s, cut, "")
	for ansi.StringWidth(end) > tail {
		cut++
		end = ansi.TruncateLeft(s, cut, "")
	}
	return start + "…" + end
}

// MiddleKeep is Middle, but a generated end of s (keep, e.g. a pod's
// "-7d9c4-x2x9p") stays whole and the cut goes into the name before it,
// so "snuba-sub…transactions-7d9c4-x2x9p" still says whose pod it is.
// Without room for that it is Middle.
func MiddleKeep(s string, w int, keep string) string {
	name, ok := strings.CutSuffix(s, keep)
	if !ok || keep == "" || ansi.StringWidth(s) <= w {
		return Middle(s, w)
	}
	if room := w - ansi.StringWidth(keep); room >= minNameCells {
		return Middle(name, room) + keep
	}
	return Middle(s, w)
}

// minNameCells is the least of a name MiddleKeep shows before a kept end.
const minNameCells = 8
