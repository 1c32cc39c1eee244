package cost

import (
	"sort"
)

// Estimate is an environment's usage priced with a table, in $/hour.
type Estimate struct {
	// Priced is set when there is a figure: the table priced some pod or
	// the storage, or nothing runs ($0). Not with a zero table, nor when
	// no pod could be priced.
	Priced bool
	// Compute is what the pods' shares cost at their nodes' prices;
	// OnDemand, the same shares at on-demand prices (for what spot saves).
	Compute, OnDemand float64
	// Storage is the storage's hourly price.
	Storage float64
	// Unpriced names the node types without a price (e.g. "m7a.large spot
	// in eu-west-1"); UnpricedPods counts their pods and the unsized ones.
	Unpriced     []string
	UnpricedPods int
	// Region and Date are the table's.
	Region, Date string
}

// HoursPerDay turns hourly prices into daily ones.
const HoursPerDay = 24

// PerHour is the total hourly cost: compute and storage.
func (e Estimate) PerHour() float64 { return e.Compute + e.Storage }

// PerDay is the total daily cost.
func (e Estimate) PerDay() float64 { return e.PerHour() * HoursPerDay }

// SpotSaves is the fraction of the on-demand compute price spot saves (0
// to 1): 0 when no pod runs on spot or nothing is priced.
func (e Estimate) SpotSaves() float64 {
	if e.OnDemand <= 0 || e.Compute >= e.OnDemand {
		return 0
	}
	return 1 - e.Compute/e.OnDemand
}

// Estimate prices u (a zero table prices nothing and names nothing
// unpriced). A share whose node type has no spot price but an
// on-demand one is priced only if on-demand; one without any is left
// out and named in Unpriced.
func (t Table) Estimate(u Usage) Estimate {
	if t.Zero() || u.Unknown {
		return Estimate{} // no table or no pods to price: nothing to say, not "unpriced"
	}
	e := Estimate{Region: t.Region, Date: t.Date, UnpricedPods: u.Unsized}
	unpriced := map[string]bool{}
	for _, s := range u.Shares {
		price, ok := t.hourly(s.NodeType)
		if !ok {
			unpriced[s.NodeType.String()] = true
			e.UnpricedPods += s.Pods
			continue
		}
		e.Compute += s.Nodes * price
		od, ok := t.onDemand(s.NodeType)
		if !ok {
			od = price // no on-demand price: no saving claimed
		}
		e.OnDemand += s.Nodes * od
	}
	if u.StorageBytes > 0 && t.StorageGBMonth > 0 {
		e.Storage = float64(u.StorageBytes) / (1 << 30) * t.StorageGBMonth / HoursPerMonth
	}
	// Nothing running costs $0; pods none of which has a price, no figure.
	e.Priced = u.Pods() == 0 || e.UnpricedPods < u.Pods() || e.Storage > 0
	for n := range unpriced {
		e.Unpriced = append(e.Unpriced, n)
	}
	sort.Strings(e.Unpriced)
	return e
}

// String names a node type in messages: "m6i.xlarge spot in us-east-1".
func (n NodeType) String() string {
	s := n.InstanceType
	if s == "" {
		s = "unknown instance type"
	}
	if n.Spot {
		s += " spot"
	} else {
		s += " on-demand"
	}
	if n.Region != "" {
		s += " in " + n.Region
	}
	return s
}
