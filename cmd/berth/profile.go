package main

import (
	"errors"
	"fmt"
	"os"
	"runtime/pprof"

	"github.com/spf13/pflag"
)

// profiling is go test's --cpuprofile / --memprofile: pprof profiles of
// this run, for finding where berth spends time or memory. Hidden: a
// developer's tool. (Not --profile: convert, up and render take compose
// profiles by that name.) --memprofile exists only in a build with
// -tags berthprof (profile_heap.go): a binary that can write a heap profile
// makes the runtime sample allocations from the first one, which costs every
// run ~1 MiB and a stack walk per sample (bench/README.md, start-up).
type profiling struct {
	cpu, mem string // files; "" for none
	stop     func() error
}

func (p *profiling) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&p.cpu, "cpuprofile", "", "write a CPU profile of this run to `FILE`")
	_ = fs.MarkHidden("cpuprofile")
	addHeapFlag(fs, &p.mem)
}

// start begins the CPU profile; finish writes the profiles.
func (p *profiling) start() error {
	var stops []func() error
	if p.cpu != "" {
		f, err := os.Create(p.cpu)
		if err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return fmt.Errorf("start CPU profile: %w", err)
		}
		stops = append(stops, func() error {
			pprof.StopCPUProfile()
			if err := f.Close(); err != nil {
				return fmt.Errorf("write CPU profile to %s: %w", p.cpu, err)
			}
			return nil
		})
	}
	if p.mem != "" {
		stops = append(stops, func() error {
			if err := writeHeapProfile(p.mem); err != nil {
				return fmt.Errorf("write heap profile to %s: %w", p.mem, err)
			}
			return nil
		})
	}
	if len(stops) > 0 {
		p.stop = func() error {
			var errs []error
			for _, stop := range stops {
				errs = append(errs, stop())
			}
			return errors.Join(errs...)
		}
	}
	return nil
}

// finish writes the profiles, if any were started.
func (p *profiling) finish() error {
	if p.stop == nil {
		return nil
	}
	defer func() { p.stop = nil }()
	return p.stop()
}
