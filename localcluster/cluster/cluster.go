// Package cluster starts and stops berth's local Kubernetes cluster: etcd,
// kube-apiserver, kube-controller-manager and kube-scheduler from the kcp
// multi-call binary, plus kwok simulating spot and on-demand nodes. All state
// (certs, etcd data, logs, pid files, kubeconfig) lives in one directory.
package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// serviceIP is the first address of the service CIDR: the kubernetes Service.
const serviceIP = "10.0.0.1"

// components in start order; stopped in reverse.
var componentOrder = []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"}

// Options configure a cluster.
type Options struct {
	Dir  string    // state directory, e.g. .cluster
	KCP  string    // path of the kcp multi-call binary
	Kwok string    // path of the kwok binary
	CRDs string    // directory of CRD manifests installed before kwok starts
	Log  io.Writer // progress lines
}

// Ports are the loopback ports the components listen on.
type Ports struct {
	EtcdClient int `json:"etcdClient"`
	EtcdPeer   int `json:"etcdPeer"`
	APIServer  int `json:"apiServer"`
	Controller int `json:"controllerManager"`
	Scheduler  int `json:"scheduler"`
	Kwok       int `json:"kwok"`
}

// state is persisted in dir/state.json so restarts reuse ports and data.
type state struct {
	Ports Ports  `json:"ports"`
	Token string `json:"developerToken"`
}

// Cluster is a handle on a local cluster's state directory.
type Cluster struct {
	dir  string
	opts Options
	st   state
}

// New returns a handle for the cluster in opts.Dir.
func New(opts Options) (*Cluster, error) {
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, err
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	return &Cluster{dir: dir, opts: opts}, nil
}

// Kubeconfig is the admin kubeconfig's path.
func (c *Cluster) Kubeconfig() string { return filepath.Join(c.dir, "kubeconfig") }

func (c *Cluster) logf(format string, a ...any) {
	fmt.Fprintf(c.opts.Log, format+"\n", a...)
}

func (c *Cluster) loadState() error {
	raw, err := os.ReadFile(filepath.Join(c.dir, "state.json"))
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, &c.st)
}

func (c *Cluster) saveState() error {
	raw, err := json.MarshalIndent(c.st, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(c.dir, "state.json"), raw, 0o600)
}

// Running reports whether every component is alive and the API server is ready.
func (c *Cluster) Running(ctx context.Context) bool {
	for _, name := range componentOrder {
		if _, ok := c.running(name); !ok {
			return false
		}
	}
	if c.loadState() != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	return c.apiReady(ctx) == nil
}

// Up starts the cluster unless it is already running, and waits until it is
// usable: API ready, nodes Ready, the default ServiceAccount present.
func (c *Cluster) Up(ctx context.Context) error {
	start := time.Now()
	if c.Running(ctx) {
		c.logf("cluster already running (%s)", c.Kubeconfig())
		return nil
	}
	// Stop leftovers of a partial or crashed earlier start before reusing state.
	if err := c.stopAll(); err != nil {
		return err
	}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return err
	}
	if err := c.preparePorts(); err != nil {
		return err
	}
	p := pki{dir: filepath.Join(c.dir, "pki")}
	if err := p.generate(); err != nil {
		return fmt.Errorf("generate certificates: %w", err)
	}
	if err := c.writeSupportFiles(p); err != nil {
		return err
	}
	steps := []struct {
		name string
		run  func(context.Context, pki) error
	}{
		{"etcd", c.startEtcd},
		{"kube-apiserver", c.startAPIServer},
		{"kube-controller-manager", c.startControllerManager},
		{"kube-scheduler", c.startScheduler},
		{"crds", c.installCRDs},
		{"kwok", c.startKwok},
		{"nodes", c.registerNodes},
		{"default service account", c.waitDefaultServiceAccount},
	}
	for _, s := range steps {
		t := time.Now()
		if err := s.run(ctx, p); err != nil {
			return fmt.Errorf("%s: %w (logs in %s)", s.name, err, filepath.Join(c.dir, "logs"))
		}
		c.logf("  %-24s ready in %s", s.name, time.Since(t).Round(10*time.Millisecond))
	}
	c.logf("cluster ready in %s; kubeconfig: %s", time.Since(start).Round(100*time.Millisecond), c.Kubeconfig())
	return nil
}

// preparePorts reuses the ports of an earlier run when they are all free,
// and otherwise picks new ones and wipes the etcd data bound to the old ones.
func (c *Cluster) preparePorts() error {
	if c.loadState() == nil {
		p := c.st.Ports
		all := []int{p.EtcdClient, p.EtcdPeer, p.APIServer, p.Controller, p.Scheduler, p.Kwok}
		ok := true
		for _, port := range all {
			if port == 0 || !portFree(port) {
				ok = false
			}
		}
		if ok {
			return nil
		}
		c.logf("ports of the previous run are taken; starting with fresh data")
		if err := os.RemoveAll(filepath.Join(c.dir, "etcd")); err != nil {
			return err
		}
	}
	var ports [6]int
	seen := map[int]bool{}
	for i := range ports {
		for {
			port, err := freePort()
			if err != nil {
				return fmt.Errorf("find a free port: %w", err)
			}
			if !seen[port] {
				seen[port] = true
				ports[i] = port
				break
			}
		}
	}
	c.st.Ports = Ports{ports[0], ports[1], ports[2], ports[3], ports[4], ports[5]}
	if c.st.Token == "" {
		tok, err := randomToken()
		if err != nil {
			return err
		}
		c.st.Token = tok
	}
	return c.saveState()
}

// Down stops exactly the processes this cluster started and removes its state.
func (c *Cluster) Down() error {
	if err := c.stopAll(); err != nil {
		return err
	}
	if _, err := os.Stat(c.dir); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return os.RemoveAll(c.dir)
}

// Stop stops the processes but keeps certs, data and kubeconfig, so the next
// Up restarts on the existing data.
func (c *Cluster) Stop() error { return c.stopAll() }

func (c *Cluster) stopAll() error {
	var errs []error
	for i := len(componentOrder) - 1; i >= 0; i-- {
		if err := c.stop(componentOrder[i], 10*time.Second); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// StopComponent stops one component (for fault-injection tests).
func (c *Cluster) StopComponent(name string) error { return c.stop(name, 10*time.Second) }
