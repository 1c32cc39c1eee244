package compose

import (
	"fmt"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/meta"
)

// plan is what Convert decided for one compose service before building
// objects.
type plan struct {
	name       string // compose service name
	k8s        string // object and container name
	file       string // file under base/
	s          types.ServiceConfig
	x          serviceExt
	usedLabels map[string]bool
	kind       string // Deployment, StatefulSet, DaemonSet or Job
	phase      string // Job phase annotation value
	image      string
	ports      []portSpec // container and Service ports
	service    bool       // gets a Service
	headless   bool
}

// Workload kinds.
const (
	kindDeployment  = "Deployment"
	kindStatefulSet = "StatefulSet"
	kindDaemonSet   = "DaemonSet"
	kindJob         = "Job"
)

// planServices names every service, reads extensions, finds references
// between services and decides workload kinds and ports.
func (c *converter) planServices() error {
	for _, name := range c.order {
		s := c.p.Services[name]
		s.Name = name
		k := dnsName(name, 63)
		if other, dup := c.k8sNames[k]; dup {
			k = strings.TrimRight(dnsName(name, 56), "-") + "-" + meta.NameHash(name+"\x00"+other, 6)
		}
		c.k8sNames[k] = name
		if k != name {
			c.warn.add(name, "", "renamed to %q for Kubernetes; other services must reach it by that name", k)
		}
		x, used := c.serviceExtension(s)
		file := k + ".yaml"
		if k == "kustomization" || file == sharedFile {
			file = k + "-service.yaml" // never shadow the base's own files
		}
		c.plans[name] = &plan{name: name, k8s: k, file: file, s: s, x: x, usedLabels: used}
	}
	c.planVolumes()
	refs := c.references()
	completed := map[string]bool{}
	for _, name := range c.order {
		for dep, d := range c.p.Services[name].DependsOn {
			if d.Condition == meta.ConditionCompleted {
				completed[dep] = true
			}
		}
	}
	for _, name := range c.order {
		pl := c.plans[name]
		pl.kind, pl.phase = c.workloadKind(pl, refs, completed[name])
		img, err := c.imageFor(pl)
		if err != nil {
			return fmt.Errorf("convert service %s: %w", name, err)
		}
		pl.image = img
		c.planPorts(pl, refs)
	}
	return nil
}

// workloadKind picks the controller for a service.
func (c *converter) workloadKind(pl *plan, refs *references, awaited bool) (kind, phase string) {
	s := pl.s
	switch pl.x.Controller {
	case "deployment":
		return kindDeployment, ""
	case "statefulset":
		return kindStatefulSet, ""
	case "daemonset":
		return kindDaemonSet, ""
	case "job":
		return kindJob, jobPhase(pl, awaited)
	}
	if pl.x.Phase != "" || awaited {
		return kindJob, jobPhase(pl, awaited)
	}
	if s.Deploy != nil && s.Deploy.Mode == "global" {
		return kindDaemonSet, ""
	}
	if isOneShot(s, refs.reached[s.Name]) {
		return kindJob, jobPhase(pl, awaited)
	}
	if s.Deploy != nil && s.Deploy.Mode != "" && s.Deploy.Mode != "replicated" {
		c.warn.add(s.Name, "deploy.mode", "mode %q not mapped; using a Deployment", s.Deploy.Mode)
	}
	return kindDeployment, ""
}
