package main

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// subcommandPath is c's path below the root: ["completion", "bash"].
func subcommandPath(c *cobra.Command) []string {
	var path []string
	for ; c.HasParent(); c = c.Parent() {
		path = append([]string{c.Name()}, path...)
	}
	return path
}

// commandTree is the full command tree as the binary called as argv0 builds it.
func commandTree(argv0 string) []*cobra.Command {
	var all []*cobra.Command
	walk(newRootCmd(&globalOptions{}, argv0), func(c *cobra.Command) { all = append(all, c) })
	return all
}

func TestEveryCommandHasAnExample(t *testing.T) {
	for _, c := range commandTree("berth") {
		if strings.TrimSpace(c.Example) == "" {
			t.Errorf("%q has no Example", c.CommandPath())
		}
		if c.Short == "" {
			t.Errorf("%q has no Short description", c.CommandPath())
		}
	}
}

func TestHelpOfEveryCommandWorks(t *testing.T) {
	for _, c := range commandTree("berth") {
		args := append(subcommandPath(c), "--help")
		code, out, errOut := runRoot(t, args...)
		if code != exitOK || !strings.Contains(out, "Examples:") {
			t.Errorf("berth %v: exit %d, stderr %q, no Examples section:\n%s", args, code, errOut, out)
		}
	}
}

// As kubectl-berth, help, usage and examples name the command as the user
// types it.
func TestPluginHelpSaysKubectlBerth(t *testing.T) {
	bareBerth := regexp.MustCompile(`(?m)^[ \t]+berth\b`) // usage and example lines are indented
	for _, c := range commandTree("/usr/local/bin/kubectl-berth") {
		var out, errOut strings.Builder
		args := append([]string{"/usr/local/bin/kubectl-berth"}, subcommandPath(c)...)
		args = append(args, "--help")
		if code := run(context.Background(), args, strings.NewReader(""), &out, &errOut); code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errOut.String())
		}
		help := out.String()
		if !strings.Contains(help, "kubectl berth") {
			t.Errorf("%v: help does not say kubectl berth:\n%s", args, help)
		}
		if m := bareBerth.FindString(help); m != "" {
			t.Errorf("%v: help has a line starting with bare berth (%q):\n%s", args, m, help)
		}
	}
}

func TestUsageLineOfThePlugin(t *testing.T) {
	var out strings.Builder
	code := run(context.Background(), []string{"kubectl-berth", "up", "--help"}, strings.NewReader(""), &out, &out)
	if code != exitOK || !strings.Contains(out.String(), "kubectl berth up [flags]") {
		t.Fatalf("exit %d:\n%s", code, out.String())
	}
}

func TestInvocation(t *testing.T) {
	for argv0, want := range map[string]invocation{
		"berth":                           {use: "berth", display: "berth"},
		"/opt/bin/berth":                  {use: "berth", display: "berth"},
		"/usr/local/bin/kubectl-berth":    {use: "kubectl-berth", display: "kubectl berth"},
		`C:\bin\kubectl-berth.exe`:        {use: "kubectl-berth", display: "kubectl berth"},
		"/home/u/.krew/bin/kubectl-berth": {use: "kubectl-berth", display: "kubectl berth"},
		"kubectl_complete-berth":          {use: "kubectl-berth", display: "kubectl berth", completer: true},
	} {
		if got := invocationOf(argv0); got != want {
			t.Errorf("invocationOf(%q) = %+v, want %+v", argv0, got, want)
		}
	}
}

func TestListingOutputFormats(t *testing.T) {
	// Formats are checked before anything else: no cluster is needed.
	for _, tc := range []struct {
		cmd  string
		good []string
	}{
		{"ls", []string{"json", "yaml", "wide"}},
		{"gc", []string{"json", "yaml", "wide"}},
	} {
		code, _, errOut := runRoot(t, tc.cmd, "-o", "xml", "--dir", t.TempDir())
		if code != exitUsage || !strings.Contains(errOut, strings.Join(tc.good[:2], ", ")) {
			t.Errorf("%s -o xml: exit %d, %q; want 2 naming %v", tc.cmd, code, errOut, tc.good)
		}
		for _, f := range tc.good {
			_, out, _ := runRoot(t, "__complete", tc.cmd, "-o", "")
			if !strings.Contains(out, f+"\n") {
				t.Errorf("%s -o completion lacks %s:\n%s", tc.cmd, f, out)
			}
		}
	}
	for _, args := range [][]string{{"up", "--dir", t.TempDir()}, {"status", "--dir", t.TempDir()}, {"version"}} {
		if code, _, errOut := runRoot(t, append(args, "-o", "xml")...); code != exitUsage || !strings.Contains(errOut, "xml") {
			t.Errorf("%v -o xml: exit %d, %q; want 2", args, code, errOut)
		}
	}
}

func TestQuietAndVerboseExclude(t *testing.T) {
	code, _, errOut := runRoot(t, "--quiet", "--verbose", "version")
	if code != exitUsage || !strings.Contains(errOut, "quiet") {
		t.Fatalf("exit %d, %q; want 2", code, errOut)
	}
}

func TestNoColorReachesTheTUI(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	if tuiRunOptions(&globalOptions{}, getenv).NoColor {
		t.Fatal("colours off without NO_COLOR")
	}
	env["NO_COLOR"] = "1"
	if !tuiRunOptions(&globalOptions{}, getenv).NoColor {
		t.Fatal("NO_COLOR=1 does not turn colours off")
	}
}

// Quiet drops progress and confirmations, never results.
func TestQuietKeepsResults(t *testing.T) {
	code, out, _ := runRoot(t, "--quiet", "version", "-o", "json")
	if code != exitOK || !strings.Contains(out, `"version"`) {
		t.Fatalf("quiet version -o json: exit %d, %q", code, out)
	}
	g := &globalOptions{quiet: true, streams: streams{out: &strings.Builder{}}}
	if g.info() == g.streams.out {
		t.Fatal("quiet: progress still goes to stdout")
	}
}
