package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/cost"
	"github.com/berth-dev/berth/internal/testobjects"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/meta"
	"github.com/berth-dev/berth/status"
	"github.com/berth-dev/berth/tui/render"
)

// shopSnapshot is the recorded shop fixture the TUI goldens use.
func shopSnapshot(t *testing.T) *k8s.Snapshot {
	t.Helper()
	rec, err := os.ReadFile("../../tui/testdata/recorded-shop.yaml")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 25, 20, 0, 0, 0, time.UTC)
	return k8s.SnapshotFromObjects(testobjects.DecodeLines(rec), now, "")
}

// emptyColumn reports that no row has a value in column i.
func emptyColumn(rows []render.Row, i int) bool {
	for _, r := range rows {
		if strings.TrimSpace(r.Cells[i]) != "" {
			return false
		}
	}
	return true
}

// textLines is the cells of every line of want as `berth status` and `ls`
// print them: titles, then the rows, an empty cell as "-", columns only the
// TUI has left out and empty HideEmpty columns left out.
func textLines(cols []render.Column, rows []render.Row) [][]string {
	var out [][]string
	line := func(cells []string) {
		var l []string
		for i, c := range cols {
			if c.TUIOnly || c.HideEmpty && emptyColumn(rows, i) {
				continue
			}
			cell := strings.TrimSpace(cells[i])
			if cell == "" {
				cell = "-"
			}
			l = append(l, cell)
		}
		out = append(out, l)
	}
	var titles []string
	for _, c := range cols {
		titles = append(titles, c.Title)
	}
	line(titles)
	for _, r := range rows {
		line(r.Cells)
	}
	return out
}

// printedLines splits printed table lines into cells (two or more spaces
// apart).
func printedLines(text string) [][]string {
	var out [][]string
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		out = append(out, regexp.MustCompile(`\s{2,}`).Split(strings.TrimSpace(l), -1))
	}
	return out
}

// The tables `berth status` prints are the TUI detail view's columns and
// rows: each block after the summary is, line for line, the titles and
// cells tui/render gives for the fixture's rollouts, jobs, pods and recent
// warnings.
func TestStatusTablesAreTheTUIRows(t *testing.T) {
	s := shopSnapshot(t)
	checked := 0
	for _, n := range s.Namespaces {
		ns := n.Name
		if status.Of(s, ns).Phase == status.PhaseMissing {
			continue
		}
		text, err := renderStatus(s, ns, cost.Default(), false)
		if err != nil {
			t.Fatal(err)
		}
		blocks := strings.Split(text, "\n\n")
		st := status.Of(s, ns)
		if head := blocks[0]; !strings.Contains(head, "Status: "+st.Label()) || !strings.Contains(head, render.PodCounts(st)) {
			t.Errorf("%s: summary %q does not say the TUI's %q, %q", ns, head, st.Label(), render.PodCounts(st))
		}
		blocks = blocks[1:]
		clock := render.NewClock(s.Taken)
		var want [][][]string
		var rows []render.Row
		for _, w := range s.WorkloadsIn(ns) {
			rows = append(rows, render.WorkloadRow(w))
		}
		want = appendTable(want, render.WorkloadColumns(), rows)
		rows = nil
		for _, j := range s.JobsIn(ns) {
			rows = append(rows, render.JobRow(j, clock))
		}
		want = appendTable(want, render.JobColumns(), rows)
		rows = nil
		want = appendTable(want, render.ImageColumns(), render.ImageRows(s.WorkloadsIn(ns), s.JobsIn(ns)))
		for _, p := range s.PodsIn(ns) {
			rows = append(rows, render.PodRow(p, render.CapacityOf(s, p.Node), clock))
		}
		want = appendTable(want, render.PodColumns(), rows)
		rows = nil
		if s.EventsNamespace == ns {
			for _, e := range render.RecentWarnings(s.Events) {
				rows = append(rows, render.EventRow(e, clock))
			}
		}
		want = appendTable(want, render.EventColumns(), rows)
		if len(blocks) != len(want) {
			t.Fatalf("%s: %d tables printed, render has %d:\n%s", ns, len(blocks), len(want), text)
		}
		for i := range want {
			if got := printedLines(blocks[i]); !equalLines(got, want[i]) {
				t.Errorf("%s table %d:\nprinted %q\nrender  %q", ns, i, got, want[i])
			}
			checked += len(want[i])
		}
	}
	if checked < 10 {
		t.Fatalf("only %d lines compared: the fixture shows too little", checked)
	}
}

func appendTable(tables [][][]string, cols []render.Column, rows []render.Row) [][][]string {
	if len(rows) == 0 {
		return tables
	}
	return append(tables, textLines(cols, rows))
}

func equalLines(a, b [][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if strings.Join(a[i], "\x00") != strings.Join(b[i], "\x00") {
			return false
		}
	}
	return true
}

// `berth ls` prints the TUI's environments list: its titles and rows.
func TestLsTableIsTheTUIRows(t *testing.T) {
	s := shopSnapshot(t)
	var list []status.Env
	for _, n := range s.Namespaces {
		if st := status.Of(s, n.Name); st.Phase != status.PhaseMissing {
			list = append(list, st)
		}
	}
	if len(list) == 0 {
		t.Fatal("no environments in the fixture")
	}
	for _, project := range []bool{false, true} {
		var b strings.Builder
		if err := writeLsTable(&b, list, project, false, s.Taken); err != nil {
			t.Fatal(err)
		}
		clock := render.NewClock(s.Taken)
		var rows []render.Row
		for _, st := range list {
			rows = append(rows, render.EnvRow(st, clock, false, project))
		}
		want := textLines(render.EnvColumns(project), rows)
		if got := printedLines(b.String()); !equalLines(got, want) {
			t.Errorf("project %v:\nprinted %q\nrender  %q", project, got, want)
		}
	}
	// -o wide adds the URL column, in render's words.
	list[0].URLs = []status.URL{{Service: "web", URL: "https://web-x.dev.example.com"}, {Service: "api", URL: "https://api-x.dev.example.com"}}
	var b strings.Builder
	if err := writeLsTable(&b, list, true, true, s.Taken); err != nil {
		t.Fatal(err)
	}
	clock := render.NewClock(s.Taken)
	var rows []render.Row
	for _, st := range list {
		r := render.EnvRow(st, clock, false, true)
		r.Cells = append(r.Cells, render.URLCell(st))
		rows = append(rows, r)
	}
	want := textLines(append(render.EnvColumns(true), render.URLColumn()), rows)
	if got := printedLines(b.String()); !equalLines(got, want) || !strings.Contains(b.String(), "https://web-x.dev.example.com +1") {
		t.Errorf("-o wide:\nprinted %q\nrender  %q", got, want)
	}
}

// A disconnected `berth status` says what the TUI says of a stale env:
// Unknown, "last seen …", plus the connection error.
func TestStatusWhileDisconnectedIsTheTUIStaleStatus(t *testing.T) {
	s := *shopSnapshot(t)
	s.Connection = k8s.Connection{Since: s.Taken, Err: "connection refused"}
	for _, n := range s.Namespaces {
		st := status.Of(&s, n.Name)
		if st.Phase == status.PhaseMissing {
			continue
		}
		v := statusViewOf(&s, n.Name, cost.Default())
		want := st.Stale()
		if v.Status != want.Phase || !strings.HasPrefix(v.Reason, want.Reason+"; ") || !strings.HasSuffix(v.Reason, "connection refused") {
			t.Errorf("%s: status %s (%s), want %s (%s; …)", n.Name, v.Status, v.Reason, want.Phase, want.Reason)
		}
	}
}

// status.go and ls.go define no table header of their own: a string
// literal of two or more upper-case words a tab or two spaces apart is
// one.
func TestCLIDefinesNoColumnHeader(t *testing.T) {
	header := regexp.MustCompile(`[A-Z][A-Z/-]+(\t| {2,})[A-Z][A-Z/-]+`)
	for _, file := range []string{"status.go", "ls.go"} {
		f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil && header.MatchString(s) {
					t.Errorf("%s defines its own column header %q: take the columns from tui/render", file, s)
				}
			}
			return true
		})
	}
}

// `berth status` shows an env's URLs in the TUI header's words, under its
// status line, and -o json lists them.
func TestStatusShowsTheTUIURLsLine(t *testing.T) {
	s := shopSnapshot(t)
	urls := []status.URL{{Service: "api", URL: "https://api-x.dev.example.com"}, {Service: "web", URL: "https://web-x.dev.example.com/app"}}
	ns := s.Namespaces[0].Name
	s.Namespaces[0].Annotations = map[string]string{meta.AnnotationURLs: status.EncodeURLs(urls)}
	var b strings.Builder
	if err := writeStatus(&b, s, ns, cost.Default()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(b.String(), "\n")
	if len(lines) < 3 || lines[2] != render.URLsLine(urls) {
		t.Errorf("status of %s: third line %q, want %q:\n%s", ns, lines[min(2, len(lines)-1)], render.URLsLine(urls), b.String())
	}
	if v := statusViewOf(s, ns, cost.Default()); len(v.URLs) != 2 || v.URLs[1] != urls[1] {
		t.Errorf("status -o json urls %v, want %v", v.URLs, urls)
	}
}
