package envs

import (
	"reflect"
	"strings"
	"testing"

	"github.com/berth-dev/berth/cost"
)

func TestPricingConfig(t *testing.T) {
	cfg, err := ParseConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg.Pricing, cost.Default()) {
		t.Errorf("no pricing: %+v, want cost.Default()", cfg.Pricing)
	}

	// A field given replaces its default; the others keep theirs.
	cfg, err = ParseConfig([]byte("pricing:\n  storageGBMonth: 0.1\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Pricing.StorageGBMonth != 0.1 || cfg.Pricing.Region != "us-east-1" || !reflect.DeepEqual(cfg.Pricing.Instances, cost.Default().Instances) {
		t.Errorf("storage only: %+v", cfg.Pricing)
	}

	// instances given replace the default list as a whole.
	cfg, err = ParseConfig([]byte("pricing:\n  region: eu-west-1\n  date: 2026-02-01\n  instances:\n    m6i.large: {onDemand: 0.107, spot: 0.04}\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]cost.Price{"m6i.large": {OnDemand: 0.107, Spot: 0.04}}
	if cfg.Pricing.Region != "eu-west-1" || cfg.Pricing.Date != "2026-02-01" || !reflect.DeepEqual(cfg.Pricing.Instances, want) {
		t.Errorf("own table: %+v", cfg.Pricing)
	}
}

func TestPricingConfigErrors(t *testing.T) {
	for _, c := range []struct{ data, want string }{
		{"pricing:\n  instances:\n    m5.large: {onDemand: -1}\n", "pricing.instances.m5.large"},
		{"pricing:\n  instances:\n    m5.large: {}\n", "pricing.instances.m5.large: give onDemand, spot or both"},
		{"pricing:\n  storageGBMonth: -0.1\n", "line 2: pricing.storageGBMonth"},
		{"pricing:\n  region: \"\"\n", "line 2: pricing.region"},
		{"pricing:\n  instances:\n    m5.large: {ondemand: 1}\n", `unknown field "pricing.instances.m5.large.ondemand"`},
		{"pricing:\n  storageGBMonth: cheap\n", "pricing.storageGBMonth"},
	} {
		_, err := ParseConfig([]byte(c.data))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want one containing %q", c.data, err, c.want)
		}
	}
}
