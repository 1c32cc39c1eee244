package render

import (
	"testing"

	"github.com/berth-dev/berth/cost"
	"github.com/berth-dev/berth/status"
)

func TestCostCells(t *testing.T) {
	e := cost.Estimate{Priced: true, Compute: 0.09, OnDemand: 0.18, Storage: 0.001, Region: "us-east-1", Date: "2026-01-01"}
	st := status.Env{Cost: e}
	if got := CostPerDay(e); got != "$2.18" {
		t.Errorf("COST/DAY %q, want $2.18", got)
	}
	if got := CostFacts(st); len(got) != 2 || got[0] != "$2.18/day" || got[1] != "spot saves 50%" {
		t.Errorf("facts %q", got)
	}
	want := "Cost: $2.18/day ($0.091/h: compute $0.090, storage $0.001), spot saves 50% (prices us-east-1, 2026-01-01)"
	if got := CostLine(st); got != want {
		t.Errorf("line\n%q, want\n%q", got, want)
	}

	e = cost.Estimate{UnpricedPods: 2, Unpriced: []string{"m7a.large spot in eu-west-1"}, Region: "us-east-1", Date: "2026-01-01"}
	st = status.Env{Cost: e}
	if CostPerDay(e) != "-" {
		t.Errorf("unpriced COST/DAY %q, want -", CostPerDay(e))
	}
	want = "Cost: unknown; 2 pods unpriced (no price for m7a.large spot in eu-west-1) (prices us-east-1, 2026-01-01)"
	if got := CostLine(st); got != want {
		t.Errorf("unpriced line\n%q, want\n%q", got, want)
	}
	if CostLine(status.Env{}) != "" || len(CostFacts(status.Env{})) != 0 {
		t.Error("an env without usage should say nothing of cost")
	}
	for v, want := range map[float64]string{0: "$0", 0.004: "<$0.01", 0.005: "$0.01", 12.345: "$12.35"} {
		if got := Dollars(v); got != want {
			t.Errorf("Dollars(%v) = %q, want %q", v, got, want)
		}
	}
}
