package logs

import (
	"errors"
	"strings"
	"testing"
)

func TestPrinter(t *testing.T) {
	var out, errOut strings.Builder
	p := Printer{Out: &out, Err: &errOut}
	p.Print(Line{Kind: Started, Prefix: "js7bt/web"})
	p.Print(Line{Kind: Text, Prefix: "js7bt/web", Text: "listening"})
	p.Print(Line{Kind: Ended, Prefix: "js7bt/web", Text: "pod deleted"})
	p.Print(Line{Kind: Failed, Prefix: "qztlr/web", Err: errors.New("boom")})
	if got, want := out.String(), "[js7bt/web] listening\n"; got != want {
		t.Errorf("out %q, want %q", got, want)
	}
	want := "[js7bt/web] following\n[js7bt/web] stream ended (pod deleted)\n[qztlr/web] error: boom\n"
	if got := errOut.String(); got != want {
		t.Errorf("err %q, want %q", got, want)
	}

	out.Reset()
	p.Colour = true
	p.Print(Line{Kind: Text, Prefix: "js7bt/web", Text: "x"})
	p.Print(Line{Kind: Text, Prefix: "js7bt/web", Text: "y"})
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if !strings.HasPrefix(lines[0], "\x1b[") || !strings.Contains(lines[0], "[js7bt/web]\x1b[0m x") {
		t.Errorf("coloured line %q", lines[0])
	}
	if c0, c1 := lines[0][:strings.Index(lines[0], "m")], lines[1][:strings.Index(lines[1], "m")]; c0 != c1 {
		t.Errorf("one prefix, two colours: %q %q", c0, c1)
	}
}
