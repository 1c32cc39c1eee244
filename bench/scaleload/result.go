package scaleload

import (
	"encoding/json"
	"fmt"
	"os"
)

// Result is one live-view measurement of a load, kept as JSON so that
// `berthbench compare` can set the two access modes of one run side by
// side: cluster-wide (an admin) and namespaced (a developer's narrow grant).
type Result struct {
	Mode    string `json:"mode"`    // the watcher's: cluster-wide or namespaced
	Process string `json:"process"` // "headless" (BenchmarkScale) or "binary" (berthbench tui)

	FirstScreenMs    float64 `json:"firstScreenMs"`
	LoadedMs         float64 `json:"loadedMs,omitempty"` // headless only: every env's pods in the snapshot
	IdleCPUPercent   float64 `json:"idleCPUPercent"`
	EventScreenP99Ms float64 `json:"eventScreenP99Ms,omitempty"` // headless only
	PeakRSSMiB       float64 `json:"peakRSSMiB"`
	// Watches are the watches berth added on the API server by scope
	// ("cluster", "namespace"): apiserver_longrunning_requests at the
	// first full screen minus before berth started.
	Watches map[string]float64 `json:"watches"`
	// WatchesOpenMs is when the last of them opened, from berth's start.
	WatchesOpenMs float64 `json:"watchesOpenMs"`
}

// Write stores r at path; "" writes nothing.
func (r Result) Write(path string) error {
	if path == "" {
		return nil
	}
	raw, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(raw, '\n'), 0o644)
}

// ReadResult reads a Result written by Write.
func ReadResult(path string) (Result, error) {
	var r Result
	raw, err := os.ReadFile(path)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return r, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}
