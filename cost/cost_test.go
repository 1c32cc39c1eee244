package cost

import (
	"math"
	"strings"
	"testing"

	"github.com/berth-dev/berth/k8s"
)

// fixture is a price table with round figures, so expected costs can be
// worked out by hand.
var fixture = Table{
	Region: "us-east-1", Date: "2026-01-01", StorageGBMonth: 0.073,
	Instances: map[string]Price{
		"m6i.xlarge":  {OnDemand: 0.20, Spot: 0.08},
		"m6i.2xlarge": {OnDemand: 0.40, Spot: 0.12},
		"c6i.2xlarge": {OnDemand: 0.32, Spot: 0.10},
	},
}

const gi = int64(1) << 30

// kwokNodes are shaped like the local cluster's (localcluster/cluster/nodes.go).
var kwokNodes = map[string]k8s.Node{
	"od-1":   {Name: "od-1", InstanceType: "m6i.xlarge", Capacity: k8s.CapacityOnDemand, Region: "us-east-1", AllocatableCPU: 4000, AllocatableMemory: 16 * gi},
	"spot-1": {Name: "spot-1", InstanceType: "m6i.2xlarge", Capacity: k8s.CapacitySpot, Region: "us-east-1", AllocatableCPU: 8000, AllocatableMemory: 32 * gi},
	"spot-3": {Name: "spot-3", InstanceType: "c6i.2xlarge", Capacity: k8s.CapacitySpot, Region: "us-east-1", AllocatableCPU: 8000, AllocatableMemory: 16 * gi},
	"bare":   {Name: "bare"},
	"west":   {Name: "west", InstanceType: "m6i.xlarge", Capacity: k8s.CapacitySpot, Region: "us-west-2", AllocatableCPU: 4000, AllocatableMemory: 16 * gi},
}

func pod(node, phase string, cpu, mem int64) k8s.Pod {
	return k8s.Pod{Name: node + "-pod", Node: node, Phase: phase, CPURequest: cpu, MemoryRequest: mem}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestEstimateByHand(t *testing.T) {
	pods := []k8s.Pod{
		pod("spot-1", "Running", 1000, 2*gi), // cpu 1/8 > mem 2/32: 0.125 × 0.12 = 0.015
		pod("spot-3", "Running", 500, 4*gi),  // mem 4/16 > cpu 0.5/8: 0.25 × 0.10 = 0.025
		pod("od-1", "Running", 1000, 1*gi),   // cpu 1/4: 0.25 × 0.20 = 0.05
		pod("od-1", "Succeeded", 4000, 0),    // finished: nothing
		pod("", "Pending", 4000, 0),          // not placed: nothing
	}
	u := UsageOf(pods, kwokNodes, 10*gi)
	if u.Pods() != 3 || u.Unsized != 0 {
		t.Fatalf("usage counts %d pods (%d unsized), want 3 (0): %+v", u.Pods(), u.Unsized, u)
	}
	e := fixture.Estimate(u)
	if !e.Priced || len(e.Unpriced) != 0 {
		t.Fatalf("estimate %+v: want priced, nothing unpriced", e)
	}
	for _, c := range []struct {
		what      string
		got, want float64
	}{
		{"compute $/h", e.Compute, 0.09},
		{"on-demand $/h", e.OnDemand, 0.125*0.40 + 0.25*0.32 + 0.25*0.20}, // 0.18
		{"storage $/h", e.Storage, 10 * 0.073 / 730},                      // 0.001
		{"total $/day", e.PerDay(), (0.09 + 0.001) * 24},                  // 2.184
		{"spot saves", e.SpotSaves(), 0.5},
	} {
		if !near(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
}

func TestUnpricedAndUnsized(t *testing.T) {
	pods := []k8s.Pod{
		pod("bare", "Running", 100, 0),  // node without instance type or allocatable
		pod("west", "Running", 1000, 0), // another region than the table's
		pod("gone", "Running", 1000, 0), // node not in the snapshot
	}
	e := fixture.Estimate(UsageOf(pods, kwokNodes, 0))
	if e.Priced || e.PerDay() != 0 {
		t.Errorf("estimate %+v: nothing should be priced", e)
	}
	if e.UnpricedPods != 3 || len(e.Unpriced) != 1 || e.Unpriced[0] != "m6i.xlarge spot in us-west-2" {
		t.Errorf("unpriced %q (%d pods), want [m6i.xlarge spot in us-west-2] (3 pods)", e.Unpriced, e.UnpricedPods)
	}
}

func TestShareRule(t *testing.T) {
	n := k8s.Node{AllocatableCPU: 2000, AllocatableMemory: 8 * gi}
	for _, c := range []struct {
		cpu, mem int64
		want     float64
	}{
		{500, 1 * gi, 0.25}, // cpu dominates
		{100, 4 * gi, 0.5},  // memory dominates
		{0, 0, 0},           // no requests: free
		{4000, 0, 2},        // over-committed requests count as asked
	} {
		if got, ok := ShareOf(c.cpu, c.mem, n); !ok || !near(got, c.want) {
			t.Errorf("ShareOf(%d, %d) = %v, %v; want %v", c.cpu, c.mem, got, ok, c.want)
		}
	}
	if _, ok := ShareOf(100, 100, k8s.Node{}); ok {
		t.Error("a node without allocatable resources gave a share")
	}
}

func TestSpotSavesWithoutSpot(t *testing.T) {
	e := fixture.Estimate(UsageOf([]k8s.Pod{pod("od-1", "Running", 1000, 0)}, kwokNodes, 0))
	if e.SpotSaves() != 0 {
		t.Errorf("all on-demand: spot saves %v, want 0", e.SpotSaves())
	}
}

func TestDefaultTableValid(t *testing.T) {
	d := Default()
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	// Every kwok node type of the local cluster has both prices.
	for _, it := range []string{"m6i.xlarge", "m6i.2xlarge", "m5.2xlarge", "c6i.2xlarge"} {
		p := d.Instances[it]
		if p.OnDemand <= 0 || p.Spot <= 0 || p.Spot >= p.OnDemand {
			t.Errorf("default %s = %+v: want 0 < spot < on-demand", it, p)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, c := range []struct {
		t    Table
		want string
	}{
		{Table{Instances: map[string]Price{"x": {OnDemand: 1}}}, "region"},
		{Table{Region: "r", StorageGBMonth: -1}, "storageGBMonth"},
		{Table{Region: "r", Instances: map[string]Price{"m5.large": {}}}, "instances.m5.large"},
		{Table{Region: "r", Instances: map[string]Price{"m5.large": {Spot: -1, OnDemand: 1}}}, "instances.m5.large"},
	} {
		err := c.t.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Validate(%+v) = %v, want an error naming %s", c.t, err, c.want)
		}
	}
}

func contains(s, sub string) bool {
	return len(sub) == 0 || (len(s) >= len(sub) && (s[:len(sub)] == sub || contains(s[1:], sub)))
}

func TestNothingRunningCostsNothing(t *testing.T) {
	// A sleeping env without claims: $0, not "unknown".
	if e := fixture.Estimate(Usage{}); !e.Priced || e.PerDay() != 0 {
		t.Errorf("empty usage: %+v, want priced at $0", e)
	}
	// Its claims still cost.
	if e := fixture.Estimate(Usage{StorageBytes: 730 * gi}); !e.Priced || !near(e.PerHour(), 0.073) {
		t.Errorf("730Gi at 0.073/GB-month: %v/h, want 0.073", e.PerHour())
	}
	// No table, nothing to say.
	if e := (Table{}).Estimate(UsageOf([]k8s.Pod{pod("od-1", "Running", 1000, 0)}, kwokNodes, 0)); e.Priced || e.UnpricedPods != 0 {
		t.Errorf("zero table: %+v, want nothing", e)
	}
}

func TestUnknownUsageHasNoFigure(t *testing.T) {
	if e := fixture.Estimate(Usage{Unknown: true}); e.Priced || e.UnpricedPods != 0 {
		t.Errorf("unreadable pods: %+v, want no figure", e)
	}
}
