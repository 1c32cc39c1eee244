package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// Every -o that names a format is an outputFormat, so the allowed list is
// checked and completed in one place; convert's and secrets' -o are paths.
func TestOutputFlagsAreTyped(t *testing.T) {
	paths := []string{"convert", "encrypt", "decrypt"}
	var formats []string
	for _, c := range commandTree("berth") {
		f := c.Flags().Lookup("output")
		if f == nil {
			continue
		}
		o, typed := f.Value.(*outputFormat)
		if slices.Contains(paths, c.Name()) {
			if typed {
				t.Errorf("%s: -o is a path, not a format", c.CommandPath())
			}
			continue
		}
		if !typed {
			t.Errorf("%s: -o is a %T, not an outputFormat", c.CommandPath(), f.Value)
			continue
		}
		fn, ok := c.GetFlagCompletionFunc("output")
		if !ok {
			t.Errorf("%s: -o has no completion", c.CommandPath())
			continue
		}
		formats = append(formats, c.Name())
		got, _ := fn(c, nil, "")
		if !slices.Equal(got, o.allowed) {
			t.Errorf("%s: -o completes %v, allows %v", c.CommandPath(), got, o.allowed)
		}
	}
	slices.Sort(formats)
	if want := []string{"check", "doctor", "gc", "images", "ls", "render", "status", "up", "version", "who"}; !slices.Equal(formats, want) {
		t.Errorf("commands with a format -o: %v, want %v", formats, want)
	}
}

func TestOutputFormatSet(t *testing.T) {
	for _, tc := range []struct {
		def     string
		allowed []string
		value   string
		ok      bool
	}{
		{"", []string{"json", "yaml", "wide"}, "wide", true},
		{"", []string{"json", "yaml", "wide"}, "", true}, // the table
		{"", []string{"json", "yaml", "wide"}, "xml", false},
		{"yaml", []string{"yaml", "json"}, "json", true},
		{"yaml", []string{"yaml", "json"}, "", false}, // render has no table
	} {
		cmd := &cobra.Command{Use: "x"}
		o := addOutputFlag(cmd, tc.def, tc.allowed, "")
		err := cmd.Flags().Set("output", tc.value)
		if (err == nil) != tc.ok {
			t.Errorf("%v default %q: -o %q: err %v, want ok %v", tc.allowed, tc.def, tc.value, err, tc.ok)
			continue
		}
		if err != nil && !strings.Contains(err.Error(), fmt.Sprintf("%q (want %s)", tc.value, orList(tc.allowed))) {
			t.Errorf("-o %q: %v does not name the value and %s", tc.value, err, orList(tc.allowed))
		}
		if want := map[bool]string{true: tc.value, false: tc.def}[tc.ok]; o.String() != want {
			t.Errorf("-o %q: value %q, want %q", tc.value, o.String(), want)
		}
	}
}

// A bad -o reads as docs/reliability.md shows it, without pflag's wrapping.
func TestUnknownOutputFormatMessage(t *testing.T) {
	for args, want := range map[string]string{
		"ls -o xml":       `error: unknown output format "xml" (want json, yaml or wide)` + "\n",
		"render -o table": `error: unknown output format "table" (want yaml or json)` + "\n",
		"version -o yaml": `error: unknown output format "yaml" (want json)` + "\n",
	} {
		code, _, stderr := runRoot(t, strings.Fields(args)...)
		if code != exitUsage || stderr != want {
			t.Errorf("berth %s: exit %d, %q; want 2, %q", args, code, stderr, want)
		}
	}
}
