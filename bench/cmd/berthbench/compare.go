package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/berth-dev/berth/bench/apimetrics"
	"github.com/berth-dev/berth/bench/scaleload"
)

// modeTarget is issue 20's bound on the live view under a developer's
// narrow grant: each figure within this factor of the cluster-wide one
// measured in the same run.
const modeTarget = 1.3

// runCompare prints the live view's figures in both access modes of one
// run side by side — cluster-wide (an admin) and namespaced (a
// developer's narrow grant) — with the ratio namespaced ÷ cluster-wide,
// from the results BenchmarkScale (headless) and berthbench tui (the real
// binary) wrote. Each flag takes the headless and the binary result,
// comma-separated.
func runCompare(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	wide := fs.String("cluster-wide", "", "headless.json,binary.json of the cluster-wide run")
	narrow := fs.String("namespaced", "", "headless.json,binary.json of the namespaced run")
	if err := fs.Parse(args); err != nil {
		return err
	}
	w, err := readPair(*wide)
	if err != nil {
		return err
	}
	n, err := readPair(*narrow)
	if err != nil {
		return err
	}
	for i, what := range []string{"headless program (BenchmarkScale)", "real binary (berthbench tui)"} {
		a, b := w[i], n[i]
		if a.Mode != "cluster-wide" || b.Mode != "namespaced" {
			return fmt.Errorf("%s: modes %q and %q, want cluster-wide and namespaced", what, a.Mode, b.Mode)
		}
		fmt.Printf("%s: cluster-wide → namespaced (ratio, target ≤ %.1f×)\n", what, modeTarget)
		row := func(name, unit string, x, y float64) {
			fmt.Printf("  %-22s %8.2f %s → %8.2f %s   %5.2f×   %s\n", name, x, unit, y, unit, fratio(y, x), verdict(fratio(y, x) <= modeTarget))
		}
		row("first full screen", "ms ", a.FirstScreenMs, b.FirstScreenMs)
		row("idle CPU", "%  ", a.IdleCPUPercent, b.IdleCPUPercent)
		if a.EventScreenP99Ms > 0 {
			row("event→screen p99", "ms ", a.EventScreenP99Ms, b.EventScreenP99Ms)
		}
		row("peak RSS", "MiB", a.PeakRSSMiB, b.PeakRSSMiB)
		fmt.Printf("  %-22s %s → %s (reported)\n", "apiserver watches", apimetrics.Format(a.Watches), apimetrics.Format(b.Watches))
		fmt.Printf("  %-22s %8.0f ms  → %8.0f ms    %5.2f× (reported)\n", "all watches open", a.WatchesOpenMs, b.WatchesOpenMs, fratio(b.WatchesOpenMs, a.WatchesOpenMs))
	}
	return nil
}

// readPair reads "headless.json,binary.json".
func readPair(arg string) ([2]scaleload.Result, error) {
	var out [2]scaleload.Result
	paths := strings.Split(arg, ",")
	if len(paths) != 2 {
		return out, fmt.Errorf("compare: want headless.json,binary.json, got %q", arg)
	}
	for i, p := range paths {
		r, err := scaleload.ReadResult(p)
		if err != nil {
			return out, err
		}
		out[i] = r
	}
	return out, nil
}

// fratio is a ÷ b (0 when b is 0).
func fratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
