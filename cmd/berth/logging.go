package main

import (
	"io"
	"log/slog"

	"k8s.io/klog/v2"
)

// newLogger returns berth's logger on w: warnings and errors by default,
// errors only with quiet, everything down to debug with verbose. client-go
// logs through klog; it is routed to the same logger when verbose and
// silenced otherwise, so its retries never garble a table or the TUI.
func newLogger(w io.Writer, quiet, verbose bool) *slog.Logger {
	level := slog.LevelWarn
	switch {
	case verbose:
		level = slog.LevelDebug
	case quiet:
		level = slog.LevelError
	}
	log := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
	if verbose {
		klog.SetSlogLogger(log.With("source", "client-go"))
	} else {
		klog.SetSlogLogger(slog.New(slog.DiscardHandler))
	}
	return log
}
