package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/berth-dev/berth/localcluster/cluster"
)

// clusterCommand runs `kcp up|down|stop|status --dir DIR [--kwok PATH] [--crds DIR]`.
func clusterCommand(verb string) func(args []string) int {
	return func(args []string) int {
		fs := flag.NewFlagSet("kcp "+verb, flag.ContinueOnError)
		dir := fs.String("dir", ".cluster", "state directory")
		kwok := fs.String("kwok", "", "path of the kwok binary (up)")
		crds := fs.String("crds", "", "directory of CRD manifests installed before kwok starts (up)")
		component := fs.String("component", "", "stop only this component (stop), e.g. kube-apiserver")
		if err := fs.Parse(args); err != nil {
			return 2
		}
		self, err := os.Executable()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		c, err := cluster.New(cluster.Options{Dir: *dir, KCP: self, Kwok: *kwok, CRDs: *crds, Log: os.Stderr})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		switch verb {
		case "up":
			if *kwok == "" {
				fmt.Fprintln(os.Stderr, "kcp up: --kwok is required")
				return 2
			}
			err = c.Up(ctx)
		case "down":
			err = c.Down()
		case "stop":
			if *component != "" {
				err = c.StopComponent(*component)
			} else {
				err = c.Stop()
			}
		case "status":
			if !c.Running(ctx) {
				fmt.Fprintln(os.Stderr, "cluster not running")
				return 1
			}
			fmt.Println(c.Kubeconfig())
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "kcp %s: %v\n", verb, err)
			return 1
		}
		return 0
	}
}
