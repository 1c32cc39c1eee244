package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/rollout"
)

var upEvents = []rollout.Event{
	{Step: "wave 1: db", Phase: rollout.UpStarted, Message: "1 Deployment"},
	{Step: "wave 1: db", Object: "Deployment/db", Phase: rollout.UpApplied},
	{Step: "wave 1: db", Object: "Deployment/db", Phase: rollout.UpWaiting, Message: "0 of 1 updated", Elapsed: 100 * time.Millisecond},
	{Step: "wave 1: db", Object: "Deployment/db", Phase: rollout.UpWaiting, Message: "0 of 1 ready", Elapsed: 200 * time.Millisecond},
	{Step: "wave 1: db", Object: "Deployment/db", Phase: rollout.UpReady, Elapsed: 300 * time.Millisecond},
	{Step: "wave 1: db", Phase: rollout.UpDone, Message: "in 300ms", Elapsed: 300 * time.Millisecond},
}

func TestPrintEventPlain(t *testing.T) {
	var b bytes.Buffer
	p := printEvent(&b)
	for _, e := range upEvents {
		p(e)
	}
	want := "   0.0s ▸ wave 1: db: 1 Deployment\n" +
		"   0.0s   Deployment/db applied \n" +
		"   0.1s   Deployment/db waiting: 0 of 1 updated\n" +
		"   0.2s   Deployment/db waiting: 0 of 1 ready\n" +
		"   0.3s   Deployment/db ready\n" +
		"   0.3s ✓ wave 1: db in 300ms\n"
	if b.String() != want {
		t.Fatalf("got\n%q\nwant\n%q", b.String(), want)
	}
}

// TestPrintEventLive: on a terminal, waiting updates overwrite one line.
func TestPrintEventLive(t *testing.T) {
	var b bytes.Buffer
	p := printEventLive(&b)
	for _, e := range upEvents {
		p(e)
	}
	out := b.String()
	if strings.Count(out, "\n") != 4 {
		t.Errorf("want 4 permanent lines (waits are transient), got %q", out)
	}
	if strings.Count(out, "\r\033[K") != 2 {
		t.Errorf("want each live line cleared once, got %q", out)
	}
	if !strings.Contains(out, "⠙ Deployment/db: 0 of 1 ready") {
		t.Errorf("spinner frame missing: %q", out)
	}
}
