package main

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/forward"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/tui/render"
)

// forwardOptions are the options of `berth forward`.
type forwardOptions struct {
	targetOptions
	address  string
	protocol string

	// set by Complete
	specs     []forward.Spec
	published []forward.Spec // the app's compose "LOCAL:REMOTE" ports
}

func newForwardCmd(opts *globalOptions) *cobra.Command {
	o := &forwardOptions{targetOptions: targetOptions{globalOptions: opts}}
	cmd := &cobra.Command{
		Use:   "forward [SERVICE[:LOCAL:REMOTE]]...",
		Short: "Forward local ports to an environment's services (default: every service with ports)",
		Long: `forward listens on local ports and tunnels each connection through the API
server to a Ready pod of the service, like kubectl port-forward (websocket,
falling back to SPDY). It follows the service: when the pod is replaced (a
rollout, a spot interruption) or the tunnel breaks, it reconnects to a new
Ready pod, says so in one line, and the local ports stay open.

SERVICE forwards every TCP port of the service, mapped as the app's compose
file maps them ("8080:80": localhost:8080 to container port 80; a port
compose does not publish keeps its number). SERVICE:LOCAL:REMOTE forwards
one port (LOCAL 0: any free port). Without arguments every service with a
port is forwarded. A local port that is taken is replaced by a free one,
shown in the table. Interrupt (Ctrl-C) to stop.`,
		Example: `  berth forward
  berth forward web db:15432:5432
  berth forward web --env feature/login`,
		RunE: runOptions(o),
	}
	o.target.register(cmd)
	o.target.registerEnv(cmd)
	f := cmd.Flags()
	f.StringVar(&o.address, "address", "127.0.0.1", "local address to listen on")
	f.StringVar(&o.protocol, "protocol", "auto", "tunnel: auto (websocket, falling back to spdy), websocket or spdy")
	return cmd
}

// Complete checks and parses the arguments, resolves the environment and reads the
// ports the app's compose files publish (when the environment is the app's).
func (o *forwardOptions) Complete(cmd *cobra.Command, args []string) error {
	switch o.protocol {
	case "auto", "websocket", "spdy":
	default:
		return usageError("--protocol %q: want auto, websocket or spdy", o.protocol)
	}
	specs, err := forward.ParseSpecs(args)
	if err != nil {
		return usageError("%v", err)
	}
	o.specs = specs
	if err := o.targetOptions.Complete(cmd, []string{o.target.env}); err != nil {
		return err
	}
	cfg, root, err := o.target.config()
	if err != nil || nsProject(cmd.Context(), o.client, o.namespace) != cfg.Project {
		return nil // not an env of the app here: ports keep their numbers
	}
	ports, err := envs.PublishedPorts(cmd.Context(), root, cfg)
	if err != nil {
		o.log.Debug("compose ports not read", "err", err)
		return nil
	}
	o.published = publishedSpecs(ports)
	return nil
}

// publishedSpecs are compose's published ports as specs.
func publishedSpecs(ports []envs.PublishedPort) []forward.Spec {
	out := make([]forward.Spec, 0, len(ports))
	for _, p := range ports {
		out = append(out, forward.Spec{Service: p.Service, Local: p.Published, Remote: p.Target})
	}
	return out
}

// Validate has nothing left to check: Complete checked the arguments and
// --protocol before reaching the cluster.
func (o *forwardOptions) Validate() error { return nil }

// Run forwards until interrupted.
func (o *forwardOptions) Run(ctx context.Context) error {
	specs, err := forwardSpecs(ctx, o.client, o.namespace, o.specs, o.published)
	if err != nil {
		return err
	}
	proto := forward.Protocol(o.protocol)
	if o.protocol == "auto" {
		proto = forward.Auto
	}
	// Events wait for the table: mu is held until it is printed.
	var mu sync.Mutex
	mu.Lock()
	info := o.info()
	s, err := forward.Start(ctx, forward.Options{
		Config: o.client.Config, Client: o.client.Typed, Namespace: o.namespace,
		Address: o.address, Protocol: proto,
		Report: func(e forward.Event) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintln(info, e)
		},
	}, specs)
	if err != nil {
		mu.Unlock()
		return err
	}
	err = writeForwards(o.streams.out, s.Forwards())
	mu.Unlock()
	if err != nil {
		s.Close()
		return err
	}
	<-ctx.Done()
	s.Close()
	return nil
}

// forwardSpecs turns SERVICE arguments (or none: every service) into one
// spec per port of the env in ns, mapped as compose's published ports say;
// the TUI's f forwards what no arguments do.
func forwardSpecs(ctx context.Context, c *k8s.Client, ns string, specs, published []forward.Spec) ([]forward.Spec, error) {
	if _, err := c.Typed.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("no berth environment %s", ns)
	}
	var out, whole []forward.Spec
	var only []string
	for _, s := range specs {
		if s.Remote == 0 {
			only = append(only, s.Service)
			continue
		}
		whole = append(whole, s)
	}
	if len(only) > 0 || len(specs) == 0 {
		d, err := forward.Defaults(ctx, c.Typed, ns, published, only)
		if err != nil {
			return nil, fmt.Errorf("environment %s: %w", ns, err)
		}
		if len(d) == 0 {
			return nil, fmt.Errorf("environment %s: no service has a TCP port to forward", ns)
		}
		out = append(out, d...)
	}
	return append(out, whole...), nil
}

// forwardColumns are the columns of berth forward's table.
func forwardColumns() []render.Column {
	return []render.Column{{Title: "LOCAL"}, {Title: "SERVICE"}, {Title: "NOTE"}}
}

// writeForwards prints the open forwards: local address → service:port.
func writeForwards(w io.Writer, fs []forward.Forward) error {
	rows := make([]render.Row, 0, len(fs))
	for _, f := range fs {
		rows = append(rows, render.Row{Cells: []string{f.Addr, "→ " + f.Target(), f.Note()}})
	}
	return render.WriteText(w, forwardColumns(), rows)
}
