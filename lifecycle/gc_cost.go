package lifecycle

import (
	"github.com/berth-dev/berth/cost"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/status"
)

// PriceActions sets what each action saves a day, from the envs' usage in
// s priced with prices: a sleep saves the env's compute (its claims stay),
// a delete all it costs, a skip nothing. It returns the total.
func PriceActions(s *k8s.Snapshot, actions []Action, prices cost.Table) float64 {
	var total float64
	for i, a := range actions {
		e := status.Of(s, a.Namespace).Priced(prices).Cost
		if !e.Priced {
			continue
		}
		var saves float64
		switch a.Kind {
		case ActionSleep:
			saves = e.Compute * cost.HoursPerDay
		case ActionDelete:
			saves = e.PerDay()
		default:
			continue
		}
		actions[i].SavesPerDay = &saves
		total += saves
	}
	return total
}
