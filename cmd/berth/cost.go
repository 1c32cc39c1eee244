package main

import (
	"github.com/berth-dev/berth/cost"
	"github.com/berth-dev/berth/status"
)

// prices is the price table of the project's berth.yaml (pricing), or
// cost.Default() without one.
func (f *targetFlags) prices() (cost.Table, error) {
	cfg, _, err := f.config()
	return cfg.Pricing, err
}

// costView is an env's cost in `ls`, `status` and `gc` JSON/YAML, in USD.
type costView struct {
	PerHour         float64  `json:"perHour"`
	PerDay          float64  `json:"perDay"`
	ComputePerHour  float64  `json:"computePerHour"`
	StoragePerHour  float64  `json:"storagePerHour"`
	OnDemandPerHour float64  `json:"onDemandPerHour"` // the same pods' compute on on-demand nodes
	SpotSaves       float64  `json:"spotSavesPercent"`
	UnpricedPods    int      `json:"unpricedPods,omitempty"`
	Unpriced        []string `json:"unpriced,omitempty"` // node types without a price
	Region          string   `json:"region"`
	PriceDate       string   `json:"priceDate"`
}

// costViewOf is the env's cost, nil when nothing could be priced.
func costViewOf(st status.Env) *costView {
	e := st.Cost
	if !e.Priced && e.UnpricedPods == 0 {
		return nil
	}
	return &costView{
		PerHour: round4(e.PerHour()), PerDay: round4(e.PerDay()),
		ComputePerHour: round4(e.Compute), StoragePerHour: round4(e.Storage), OnDemandPerHour: round4(e.OnDemand),
		SpotSaves: float64(int(e.SpotSaves()*1000+0.5)) / 10, UnpricedPods: e.UnpricedPods, Unpriced: e.Unpriced,
		Region: e.Region, PriceDate: e.Date,
	}
}

// round4 rounds dollars to 4 decimals: sub-cent figures stay visible.
func round4(v float64) float64 { return float64(int64(v*10000+0.5)) / 10000 }
