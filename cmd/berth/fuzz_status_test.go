package main

import (
	"encoding/json"
	"io"
	"os"
	"testing"
	"time"

	"github.com/berth-dev/berth/cost"
	"github.com/berth-dev/berth/internal/testobjects"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/status"
)

// FuzzStatusView renders `berth status` (text and -o json, connected and
// not) for every namespace of arbitrary objects: no panics, valid JSON,
// and a disconnected view never says Ready.
func FuzzStatusView(f *testing.F) {
	rec, err := os.ReadFile("../../tui/testdata/recorded-shop.yaml")
	if err != nil {
		f.Fatalf("seed: %v", err)
	}
	f.Add(rec, false)
	f.Add(rec, true)
	f.Add([]byte(`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"n","annotations":{"berth.dev/expires-at":"2000-01-01T00:00:00Z"}}}`+"\n"+
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"n"},"status":{"phase":"Running","message":"`+"\\u001b[2J\\n"+`"}}`), true)
	now := time.Date(2026, 11, 25, 20, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte, disconnected bool) {
		var nsName string
		snap := k8s.SnapshotFromObjects(testobjects.DecodeLines(data), now, "")
		if disconnected {
			s := *snap
			s.Connection = k8s.Connection{Since: now, Err: "dial tcp 127.0.0.1:1: connect: connection refused"}
			snap = &s
		}
		for _, n := range snap.Namespaces {
			nsName = n.Name
			v := statusViewOf(snap, nsName, cost.Default())
			if disconnected && v.Status != status.PhaseUnknown {
				t.Fatalf("disconnected view of %s says %s", nsName, v.Status)
			}
			if _, err := json.Marshal(v); err != nil {
				t.Fatalf("status -o json of %s: %v", nsName, err)
			}
			if err := writeStatus(io.Discard, snap, nsName, cost.Default()); err != nil {
				t.Fatalf("status of %s: %v", nsName, err)
			}
			_ = statusKey(snap, nsName, cost.Default())
		}
	})
}
