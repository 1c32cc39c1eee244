package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/spf13/pflag"
)

// profiling is kubectl's --profile / --profile-output: a pprof profile of
// this run, for finding where berth spends time or memory. Hidden: a
// developer's tool.
type profiling struct {
	kind, output string
	stop         func() error
}

func (p *profiling) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&p.kind, "profile", "none", "profile to write: none, cpu or heap")
	fs.StringVar(&p.output, "profile-output", "profile.pprof", "file the profile is written to")
	_ = fs.MarkHidden("profile")
	_ = fs.MarkHidden("profile-output")
}

// start begins the profile; finish writes it.
func (p *profiling) start() error {
	switch p.kind {
	case "none", "":
		return nil
	case "cpu":
		f, err := os.Create(p.output)
		if err != nil {
			return fmt.Errorf("--profile-output: %w", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return fmt.Errorf("start CPU profile: %w", err)
		}
		p.stop = func() error {
			pprof.StopCPUProfile()
			return f.Close()
		}
	case "heap":
		p.stop = func() error {
			f, err := os.Create(p.output)
			if err != nil {
				return err
			}
			runtime.GC()
			if err := pprof.WriteHeapProfile(f); err != nil {
				f.Close()
				return err
			}
			return f.Close()
		}
	default:
		return fmt.Errorf("invalid argument %q for --profile: want none, cpu or heap", p.kind)
	}
	return nil
}

// finish writes the profile, if one was started.
func (p *profiling) finish() error {
	if p.stop == nil {
		return nil
	}
	defer func() { p.stop = nil }()
	if err := p.stop(); err != nil {
		return fmt.Errorf("write %s profile to %s: %w", p.kind, p.output, err)
	}
	return nil
}
