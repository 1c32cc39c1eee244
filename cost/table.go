package cost

import (
	"fmt"
	"sort"
)

// Table is a price table: $/hour per instance type in one region, dated,
// and storage per GB-month (berth.yaml pricing:).
type Table struct {
	// Region the prices are for; nodes labelled with another
	// topology.kubernetes.io/region are not priced.
	Region string `yaml:"region"`
	// Date the prices were taken (e.g. 2025-06-01): prices drift, spot
	// prices hourly.
	Date string `yaml:"date"`
	// StorageGBMonth is the price of one GiB of persistent volume for a
	// month (EBS gp3: 0.08 in us-east-1).
	StorageGBMonth float64 `yaml:"storageGBMonth"`
	// Instances are the hourly prices by instance type
	// (node.kubernetes.io/instance-type).
	Instances map[string]Price `yaml:"instances"`
}

// Price is one instance type's $/hour on-demand and on spot; 0 is unknown.
type Price struct {
	OnDemand float64 `yaml:"onDemand"`
	Spot     float64 `yaml:"spot"`
}

// HoursPerMonth converts monthly prices to hourly, as AWS bills (730).
const HoursPerMonth = 730

// Zero reports a table with nothing in it: nothing is priced.
func (t Table) Zero() bool { return len(t.Instances) == 0 && t.StorageGBMonth == 0 }

// FieldError is an invalid value of a table; Field is its path under
// berth.yaml's pricing (e.g. "instances.m5.large").
type FieldError struct{ Field, Msg string }

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

func invalid(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Validate checks the table: a *FieldError for the first invalid value.
func (t Table) Validate() error {
	if t.Zero() {
		return nil
	}
	if t.Region == "" {
		return invalid("region", "the region the prices are for is missing, e.g. us-east-1")
	}
	if t.StorageGBMonth < 0 {
		return invalid("storageGBMonth", "must not be negative")
	}
	names := make([]string, 0, len(t.Instances))
	for n := range t.Instances {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := t.Instances[n]
		switch {
		case n == "":
			return invalid("instances", "empty instance type")
		case p.OnDemand < 0 || p.Spot < 0:
			return invalid("instances."+n, "prices must not be negative")
		case p.OnDemand == 0 && p.Spot == 0:
			return invalid("instances."+n, "give onDemand, spot or both ($/hour)")
		}
	}
	return nil
}

// hourly is the price of a node of type n, and whether there is one.
func (t Table) hourly(n NodeType) (float64, bool) {
	if n.Region != "" && t.Region != "" && n.Region != t.Region {
		return 0, false
	}
	p, ok := t.Instances[n.InstanceType]
	if !ok {
		return 0, false
	}
	if n.Spot {
		return p.Spot, p.Spot > 0
	}
	return p.OnDemand, p.OnDemand > 0
}

// onDemand is the on-demand price of a node of type n's instance type.
func (t Table) onDemand(n NodeType) (float64, bool) {
	n.Spot = false
	return t.hourly(n)
}
