package render

import (
	"fmt"
	"strings"

	"github.com/berth-dev/berth/cost"
	"github.com/berth-dev/berth/status"
)

// Dollars formats an amount: "$4.12", "<$0.01", "$0".
func Dollars(v float64) string {
	switch {
	case v <= 0:
		return "$0"
	case v < 0.005:
		return "<$0.01"
	}
	return fmt.Sprintf("$%.2f", v)
}

// CostPerDay is the COST/DAY cell: the env's cost per day, "-" when
// nothing of it could be priced.
func CostPerDay(e cost.Estimate) string {
	if !e.Priced {
		return "-"
	}
	return Dollars(e.PerDay())
}

// SpotSaves is "spot saves 68%", "" when spot saves nothing.
func SpotSaves(e cost.Estimate) string {
	pct := int(e.SpotSaves()*100 + 0.5)
	if pct <= 0 {
		return ""
	}
	return fmt.Sprintf("spot saves %d%%", pct)
}

// CostFacts are the env's cost facts as the TUI header and `berth status`
// show them: "$4.12/day", "spot saves 68%", "3 pods unpriced"; none when
// nothing is priced and no pod runs.
func CostFacts(st status.Env) []string {
	e := st.Cost
	var facts []string
	if e.Priced {
		facts = append(facts, Dollars(e.PerDay())+"/day")
		if s := SpotSaves(e); s != "" {
			facts = append(facts, s)
		}
	}
	if e.UnpricedPods > 0 {
		facts = append(facts, fmt.Sprintf("%d pods unpriced", e.UnpricedPods))
	}
	return facts
}

// CostLine is `berth status`'s cost line: "Cost: $4.12/day ($0.172/h:
// compute $0.170, storage $0.002), spot saves 68% (prices us-east-1,
// 2025-06-01)"; "" when there is nothing to say.
func CostLine(st status.Env) string {
	e := st.Cost
	if !e.Priced && e.UnpricedPods == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("Cost: ")
	if e.Priced {
		fmt.Fprintf(&b, "%s/day ($%.3f/h: compute $%.3f, storage $%.3f)", Dollars(e.PerDay()), e.PerHour(), e.Compute, e.Storage)
		if s := SpotSaves(e); s != "" {
			b.WriteString(", " + s)
		}
	} else {
		b.WriteString("unknown")
	}
	if e.UnpricedPods > 0 {
		fmt.Fprintf(&b, "; %d pods unpriced", e.UnpricedPods)
		if len(e.Unpriced) > 0 {
			fmt.Fprintf(&b, " (no price for %s)", strings.Join(e.Unpriced, ", "))
		}
	}
	fmt.Fprintf(&b, " (prices %s, %s)", orDash(e.Region), orDash(e.Date))
	return b.String()
}
