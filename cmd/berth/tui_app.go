package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/spf13/pflag"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/tui"
)

// tuiApp is the app of the working directory as the UI needs it, loaded
// once in the background: loading and converting the compose files is the
// slow part of the UI's start (hundreds of milliseconds for a big app), so
// the first frame does not wait for it (tui.Config.Scope). compose-go's log
// lines (logrus) are held while the UI owns the terminal and written after
// it, where they were before.
type tuiApp struct {
	done   chan struct{}
	app    *envs.App // nil outside an app
	loaded tui.Scope
	err    error // a bad setting: the UI ends with it

	held    bytes.Buffer // compose-go's log lines while loading
	logsOut io.Writer    // where logrus wrote before
}

// loadTUIApp starts loading the app with the settings of fs, the
// environment and overrides.
func loadTUIApp(ctx context.Context, fs *pflag.FlagSet, overrides envs.Overrides, log *slog.Logger) *tuiApp {
	a := &tuiApp{done: make(chan struct{}), logsOut: logrus.StandardLogger().Out}
	logrus.SetOutput(&a.held)
	go func() {
		defer close(a.done)
		app, err := envs.LoadApp(ctx, envs.AppOptions{})
		if err != nil {
			return // not an app: every project
		}
		if err := applySettings(&app.Config, fs, os.LookupEnv, log); err != nil {
			a.err = err
			return
		}
		a.app = app
		a.loaded = tui.Scope{Project: app.Config.Project, Prices: app.Config.Pricing}
		if env, err := app.Env(overrides, time.Now()); err == nil {
			a.loaded.Branch = env.Branch
		}
	}()
	return a
}

// get waits for the app; nil outside one.
func (a *tuiApp) get() *envs.App {
	<-a.done
	return a.app
}

// scope is tui.Config.Scope: the app's project, current branch and prices.
func (a *tuiApp) scope() (tui.Scope, error) {
	<-a.done
	return a.loaded, a.err
}

// finish waits for the load and writes the log lines it held.
func (a *tuiApp) finish() {
	<-a.done
	logrus.SetOutput(a.logsOut) // under logrus's lock: no write to held after it
	_, _ = a.logsOut.Write(a.held.Bytes())
}
