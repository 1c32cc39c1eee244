package logs

import (
	"fmt"
	"hash/fnv"
	"io"
	"strconv"
)

// palette are the ANSI colours (0-15) prefixes take.
var palette = [...]int{6, 3, 5, 2, 4, 1, 14, 11, 13, 10, 12, 9}

// Color is the ANSI colour (0-15) of a prefix: the same prefix, the same
// colour, in the CLI and the TUI.
func Color(prefix string) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(prefix))
	return palette[h.Sum32()%uint32(len(palette))]
}

// Printer writes a merged stream as text: each log line after its
// "[prefix]" to Out, news about streams (following, ended, errors) to Err.
type Printer struct {
	Out, Err io.Writer
	// Colour gives each pod/container's prefix its own ANSI colour: set it
	// only for a terminal, and not with NO_COLOR.
	Colour bool
}

// Print writes one line of the merged stream.
func (p Printer) Print(l Line) {
	pre := "[" + l.Prefix + "]"
	if p.Colour {
		c := Color(l.Prefix)
		code := 30 + c
		if c >= 8 {
			code = 90 + c - 8
		}
		pre = "\x1b[" + strconv.Itoa(code) + "m" + pre + "\x1b[0m"
	}
	if l.Kind == Text {
		fmt.Fprintf(p.Out, "%s %s\n", pre, l.Text)
		return
	}
	fmt.Fprintf(p.Err, "%s %s\n", pre, l.Notice())
}
