package main

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/berth-dev/berth/envs"
)

func TestExitCodesAreDocumented(t *testing.T) {
	_, help, _ := runRoot(t, "--help")
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range []string{help, string(readme)} {
		for _, want := range []string{"0 ok", "1 error", "2 usage", "3 the environment failed to become ready"} {
			if !strings.Contains(strings.Join(strings.Fields(doc), " "), want) {
				t.Errorf("exit code %q is not documented in:\n%.400s…", want, doc)
			}
		}
	}
}

// The README's command table lists every visible command and its settings
// table every BERTH_* variable.
func TestReadmeCoversTheCLI(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	for _, c := range commandTree("berth")[1:] {
		if c.Hidden || c.Parent().Name() != "berth" || c.Name() == "help" {
			continue
		}
		if !strings.Contains(readme, "`berth "+c.Name()) {
			t.Errorf("README does not document `berth %s`", c.Name())
		}
	}
	for _, s := range settings() {
		if !strings.Contains(readme, s.env) {
			t.Errorf("README does not document %s", s.env)
		}
	}
	for _, want := range []string{"NO_COLOR", "--quiet", "--verbose", "kubectl berth", "completion", "docs/tui"} {
		if !strings.Contains(readme, want) {
			t.Errorf("README does not mention %s", want)
		}
	}
}

// The README's berth.yaml reference shows every field of envs.Config.
func TestReadmeDocumentsEveryConfigField(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	start := strings.Index(readme, "## berth.yaml")
	if start < 0 {
		t.Fatal("README has no berth.yaml section")
	}
	section := readme[start:]
	if end := strings.Index(section[1:], "\n## "); end > 0 {
		section = section[:end]
	}
	var fields func(t reflect.Type, path string)
	fields = func(typ reflect.Type, path string) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "" || name == "-" {
				continue
			}
			if !strings.Contains(section, name+":") {
				t.Errorf("berth.yaml field %s%s is not in the README's reference", path, name)
			}
			if f.Type.Kind() == reflect.Struct && f.Type.PkgPath() == typ.PkgPath() {
				fields(f.Type, path+name+".")
			}
		}
	}
	fields(reflect.TypeOf(envs.Config{}), "")
	// The captured TUI is the real one: the key bar of the env view.
	screen, err := os.ReadFile("../../docs/tui-env.txt")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(screen), "\n"), "\n")
	if last := strings.TrimSpace(lines[len(lines)-1]); !strings.Contains(readme, last) {
		t.Errorf("README does not embed docs/tui-env.txt (key bar %q)", last)
	}
}
