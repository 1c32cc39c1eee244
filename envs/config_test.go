package envs

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestLoadConfigMissingFileGivesDefaults(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "My_Shop")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(filepath.Join(dir, ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig()
	want.Project = "my-shop"
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("got %+v\nwant %+v", cfg, want)
	}
	if cfg.Prefix != "dev" || cfg.TTL != 7*Day || time.Duration(cfg.IdleSleep) != 8*time.Hour {
		t.Errorf("defaults: prefix %q ttl %v idle %v", cfg.Prefix, cfg.TTL, cfg.IdleSleep)
	}
	if cfg.Spot.NodeLabels[SpotCapacityLabel] != "spot" || len(cfg.Spot.Tolerations) != 1 ||
		cfg.Spot.Tolerations[0].Effect != "NoSchedule" || !cfg.Spot.Enabled || !cfg.Quota.Enabled {
		t.Errorf("spot/quota defaults: %+v %+v", cfg.Spot, cfg.Quota)
	}
	for _, m := range []map[string]Quantity{cfg.Quota.Hard, cfg.Quota.DefaultLimits, cfg.Quota.DefaultRequests} {
		for k, q := range m {
			if _, err := resource.ParseQuantity(string(q)); err != nil {
				t.Errorf("default %s=%q: %v", k, q, err)
			}
		}
	}
}

func TestLoadConfigFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, ConfigFile)
	data := `
project: shop
compose: [compose.yaml, compose.dev.yaml]
registry: ghcr.io/acme
prefix: pr
ttl: 3d
idleSleep: 90m
webhook: https://hooks.example.com/x
spot:
  nodeLabels:
    eks.amazonaws.com/capacityType: SPOT
  tolerations: []
quota:
  hard:
    pods: 10
`
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Project != "shop" || cfg.Prefix != "pr" || cfg.Registry != "ghcr.io/acme" ||
		!reflect.DeepEqual(cfg.Compose, []string{"compose.yaml", "compose.dev.yaml"}) ||
		cfg.Webhook != "https://hooks.example.com/x" {
		t.Errorf("scalars: %+v", cfg)
	}
	if cfg.TTL != 3*Day || time.Duration(cfg.IdleSleep) != 90*time.Minute {
		t.Errorf("durations: %v %v", cfg.TTL, cfg.IdleSleep)
	}
	if !reflect.DeepEqual(cfg.Spot.NodeLabels, map[string]string{"eks.amazonaws.com/capacityType": "SPOT"}) {
		t.Errorf("node labels replaced, not merged: %v", cfg.Spot.NodeLabels)
	}
	if cfg.Spot.Tolerations == nil || len(cfg.Spot.Tolerations) != 0 {
		t.Errorf("explicit empty tolerations: %v", cfg.Spot.Tolerations)
	}
	if !reflect.DeepEqual(cfg.Quota.Hard, map[string]Quantity{"pods": "10"}) {
		t.Errorf("quota.hard: %v", cfg.Quota.Hard)
	}
	if !reflect.DeepEqual(cfg.Quota.DefaultLimits, DefaultConfig().Quota.DefaultLimits) || !cfg.Spot.Enabled {
		t.Errorf("untouched fields lost defaults: %+v", cfg)
	}
}

func TestParseConfigEmptyAndDisabling(t *testing.T) {
	for _, data := range []string{"", "\n", "# only a comment\n", "---\n", "null\n"} {
		cfg, err := ParseConfig([]byte(data))
		if err != nil {
			t.Errorf("%q: %v", data, err)
			continue
		}
		if !reflect.DeepEqual(cfg, DefaultConfig()) {
			t.Errorf("%q: not defaults: %+v", data, cfg)
		}
	}
	cfg, err := ParseConfig([]byte("spot: {enabled: false}\nquota: {enabled: false}\nttl: 0\nidleSleep: 0s\nprefix: \"\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Spot.Enabled || cfg.Quota.Enabled || cfg.TTL != 0 || cfg.IdleSleep != 0 || cfg.Prefix != "" {
		t.Errorf("disabling: %+v", cfg)
	}
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		name, data string
		want       []string // substrings of the error
	}{
		{"unknown top", "project: shop\nttll: 3d\n", []string{"line 2", `"ttll"`}},
		{"unknown nested", "spot:\n  tolerations:\n    - key: a\n      efect: NoSchedule\n", []string{"line 4", `"spot.tolerations[0].efect"`, "effect"}},
		{"bad ttl", "ttl: 7 days\n", []string{"line 1", "ttl", `"7 days"`}},
		{"negative idle", "\nidleSleep: -1h\n", []string{"line 2", "idleSleep"}},
		{"bad quantity", "quota:\n  hard:\n    pods: lots\n", []string{"line 3", "quota.hard.pods", `"lots"`}},
		{"bad effect", "spot:\n  tolerations:\n  - key: a\n    value: b\n    effect: Never\n", []string{"line 5", "spot.tolerations[0].effect", "Never"}},
		{"exists with value", "spot:\n  tolerations:\n  - {key: a, operator: Exists, value: b}\n", []string{"line 3", "spot.tolerations[0].value"}},
		{"bad project", "project: My Shop\n", []string{"line 1", "project", "my-shop"}},
		{"bad webhook", "webhook: hooks.example.com\n", []string{"line 1", "webhook"}},
		{"bad registry", "registry: https://ghcr.io\n", []string{"line 1", "registry"}},
		{"bad node label", "spot:\n  nodeLabels:\n    \"bad key!\": x\n", []string{"line 3", "spot.nodeLabels"}},
		{"not a mapping", "- a\n- b\n", []string{"line 1", "mapping"}},
		{"list for string", "project: [a]\n", []string{"line 1", "project"}},
		{"scalar for list", "compose: compose.yaml\n", []string{"line 1", "compose", "list"}},
		{"syntax", "project: [\n", []string{"parse"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tt.data))
			if err == nil {
				t.Fatalf("no error for %q", tt.data)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"7d", 7 * 24 * time.Hour, true},
		{"1d12h", 36 * time.Hour, true},
		{"8h", 8 * time.Hour, true},
		{"0", 0, true},
		{"90m", 90 * time.Minute, true},
		{"d", 0, false},
		{"-1d", 0, false},
		{"1w", 0, false},
		{"", 0, false},
		{"99999999999999d", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if (err == nil) != tt.ok || (tt.ok && time.Duration(got) != tt.want) {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		if err == nil {
			back, err := ParseDuration(got.String())
			if err != nil || back != got {
				t.Errorf("round trip %q → %q → %v, %v", tt.in, got.String(), back, err)
			}
		}
	}
}

func FuzzConfig(f *testing.F) {
	f.Add([]byte("project: shop\nttl: 3d\nspot:\n  nodeLabels: {a: b}\n"))
	f.Add([]byte("quota:\n  hard: {pods: 5}\n  defaultLimits: {cpu: 1}\n"))
	f.Add([]byte("&a {prefix: x, compose: [*a]}"))
	f.Add([]byte("ttl: 1d2h\nidleSleep: 0\nwebhook: http://h/x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig(data)
		if err != nil {
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("parsed config fails Validate: %v", err)
		}
		out, err := yaml.Marshal(cfg)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		again, err := ParseConfig(out)
		if err != nil {
			t.Fatalf("re-parse of\n%s: %v", out, err)
		}
		// Lines are positions in the file, not values: they move.
		cfg.Quota.Lines, again.Quota.Lines = nil, nil
		if !reflect.DeepEqual(again, cfg) {
			t.Fatalf("round trip differs:\n%+v\n%+v", cfg, again)
		}
	})
}

func TestParseConfigTooManyValues(t *testing.T) {
	data := "compose: &a [" + strings.Repeat("x.yaml, ", 3000) + "y.yaml]\nspot:\n  tolerations: [" +
		strings.Repeat("{key: k}, ", 8000) + "{key: k}]\n"
	if _, err := ParseConfig([]byte(data)); err == nil || !strings.Contains(err.Error(), "too many") {
		t.Fatalf("got %v, want a too-many-values error", err)
	}
}
