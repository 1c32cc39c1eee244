package envs

import "testing"

// A fixed quota.hard bounds the env; without one the ceiling does (and the
// quota is sized).
func TestQuotaLimits(t *testing.T) {
	ceiling := map[string]Quantity{"pods": "200"}
	if l, sized := (Quota{Ceiling: ceiling}).Limits(); !sized || l["pods"] != "200" {
		t.Errorf("no hard: %v sized %v, want the ceiling, sized", l, sized)
	}
	hard := map[string]Quantity{"pods": "5"}
	if l, sized := (Quota{Hard: hard, Ceiling: ceiling}).Limits(); sized || l["pods"] != "5" {
		t.Errorf("hard set: %v sized %v, want hard, not sized", l, sized)
	}
}
