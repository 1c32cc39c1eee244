package compose

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/meta"
)

// handledServiceKeys are the compose service keys Convert maps (fully or
// with a warning of its own); any other key that is set is warned about.
var handledServiceKeys = map[string]bool{
	"image": true, "build": true, "command": true, "entrypoint": true, "environment": true,
	"env_file": true, "working_dir": true, "user": true, "cap_add": true, "cap_drop": true,
	"privileged": true, "read_only": true, "hostname": true, "extra_hosts": true, "sysctls": true,
	"stop_grace_period": true, "labels": true, "annotations": true, "deploy": true, "scale": true,
	"restart": true, "ports": true, "expose": true, "healthcheck": true, "depends_on": true,
	"volumes": true, "tmpfs": true, "secrets": true, "configs": true, "tty": true, "stdin_open": true,
	"pull_policy": true, "platform": true, "mem_limit": true, "mem_reservation": true, "cpus": true,
	"networks": true, "profiles": true, "links": true, "shm_size": true, "label_file": true,
	"name": true, "container_name": true, "develop": true,
}

// handledDeployKeys are the deploy keys Convert maps.
var handledDeployKeys = map[string]bool{
	"mode": true, "replicas": true, "resources": true, "restart_policy": true, "labels": true,
}

// serviceObjects builds every object of one service, in a stable order:
// workload, Service, Ingress, then PVCs only this service uses.
func (c *converter) serviceObjects(pl *plan) ([]any, error) {
	c.serviceWarnings(pl)
	om := c.objectMeta(pl)
	tpl, usesPVC, err := c.podTemplate(pl)
	if err != nil {
		return nil, err
	}
	wmeta := om
	wmeta.Annotations = c.workloadAnnotations(pl)
	selector := &metav1.LabelSelector{MatchLabels: map[string]string{meta.LabelService: labelValue(pl.name)}}
	var objs []any
	switch pl.kind {
	case kindJob:
		objs = append(objs, c.jobObject(pl, wmeta, tpl))
	case kindDaemonSet:
		objs = append(objs, &appsv1.DaemonSet{
			TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: kindDaemonSet},
			ObjectMeta: wmeta,
			Spec:       appsv1.DaemonSetSpec{Selector: selector, Template: tpl},
		})
	case kindStatefulSet:
		objs = append(objs, &appsv1.StatefulSet{
			TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: kindStatefulSet},
			ObjectMeta: wmeta,
			Spec: appsv1.StatefulSetSpec{
				Replicas: c.replicas(pl), Selector: selector, Template: tpl, ServiceName: pl.k8s,
			},
		})
	default:
		d := &appsv1.Deployment{
			TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: kindDeployment},
			ObjectMeta: wmeta,
			Spec:       appsv1.DeploymentSpec{Replicas: c.replicas(pl), Selector: selector, Template: tpl},
		}
		if usesPVC {
			// a ReadWriteOnce volume cannot be attached to old and new pods at once
			d.Spec.Strategy.Type = appsv1.RecreateDeploymentStrategyType
		}
		objs = append(objs, d)
	}
	if pl.service {
		objs = append(objs, c.serviceObject(pl, om))
	}
	if pl.x.Ingress.enabled() && pl.kind != kindJob {
		if ing := c.ingressObject(pl, om); ing != nil {
			objs = append(objs, ing)
		}
	}
	objs = append(objs, c.ownedPVCs(pl)...)
	return objs, nil
}

// objectMeta is the name and labels shared by a service's objects.
func (c *converter) objectMeta(pl *plan) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: pl.k8s, Labels: serviceLabels(pl.name)}
}

func serviceLabels(name string) map[string]string {
	v := labelValue(name)
	return map[string]string{meta.LabelService: v, meta.LabelName: v}
}

// workloadAnnotations carries depends_on, phase, build context and the
// compose labels.
func (c *converter) workloadAnnotations(pl *plan) map[string]string {
	a := map[string]string{}
	for k, v := range pl.s.Labels {
		if !pl.usedLabels[k] && validAnnotationKey(k) {
			a[k] = v
		} else if !pl.usedLabels[k] {
			c.warn.add(pl.name, "labels."+k, "not a valid annotation key; dropped")
		}
	}
	if pl.s.Deploy != nil {
		for k, v := range pl.s.Deploy.Labels {
			if validAnnotationKey(k) {
				a[k] = v
			}
		}
	}
	if len(pl.s.DependsOn) > 0 {
		deps := map[string]string{}
		for name, d := range pl.s.DependsOn {
			if c.plans[name] == nil && !d.Required {
				continue // optional and not converted (warned)
			}
			cond := d.Condition
			if cond == "" {
				cond = meta.ConditionStarted
			}
			deps[name] = cond
		}
		b, _ := json.Marshal(deps) // map keys are sorted: stable
		a[meta.AnnotationDependsOn] = string(b)
	}
	if pl.phase != "" {
		a[meta.AnnotationPhase] = pl.phase
	}
	if pl.s.Build != nil {
		a[meta.AnnotationBuildContext] = c.buildContext(pl.s.Build)
	}
	if len(a) == 0 {
		return nil
	}
	return a
}

// validAnnotationKey checks the [prefix/]name form of an annotation key.
func validAnnotationKey(k string) bool {
	prefix, name, found := strings.Cut(k, "/")
	if !found {
		name, prefix = prefix, ""
	}
	if prefix != "" && (len(prefix) > 253 || dnsName(prefix, 253) != prefix && !strings.Contains(prefix, ".")) {
		return false
	}
	return len(name) > 0 && len(name) <= 63 && labelOK.MatchString(name) && !strings.Contains(name, "/")
}

// replicas is deploy.replicas or scale.
func (c *converter) replicas(pl *plan) *int32 {
	var n *int
	if pl.s.Deploy != nil && pl.s.Deploy.Replicas != nil {
		n = pl.s.Deploy.Replicas
	} else if pl.s.Scale != nil {
		n = pl.s.Scale
	}
	if n == nil {
		return nil
	}
	r := int32(max(min(*n, 1000), 0))
	return &r
}

// podTemplate builds the pod template of a service. usesPVC reports a
// mounted PersistentVolumeClaim.
func (c *converter) podTemplate(pl *plan) (corev1.PodTemplateSpec, bool, error) {
	s := pl.s
	ctr := corev1.Container{
		Name:       pl.k8s,
		Image:      pl.image,
		Command:    escapeAll(s.Entrypoint),
		Args:       escapeAll(s.Command),
		WorkingDir: s.WorkingDir,
		TTY:        s.Tty,
		Stdin:      s.StdinOpen,
	}
	env, envFrom, err := c.environment(pl)
	if err != nil {
		return corev1.PodTemplateSpec{}, false, err
	}
	ctr.Env, ctr.EnvFrom = env, envFrom
	for _, p := range pl.ports {
		cp := corev1.ContainerPort{Name: p.name, ContainerPort: p.port}
		if p.protocol != corev1.ProtocolTCP {
			cp.Protocol = p.protocol
		}
		ctr.Ports = append(ctr.Ports, cp)
	}
	if pl.kind != kindJob {
		ctr.ReadinessProbe, ctr.LivenessProbe, ctr.StartupProbe = probes(s.HealthCheck)
	} else if s.HealthCheck != nil && !s.HealthCheck.Disable {
		c.warn.add(s.Name, "healthcheck", "not mapped: a Job gets no probes")
	}
	if s.HealthCheck != nil && !s.HealthCheck.Disable && ctr.ReadinessProbe == nil && pl.kind != kindJob && len(s.HealthCheck.Test) > 0 && s.HealthCheck.Test[0] != "NONE" {
		c.warn.add(s.Name, "healthcheck.test", "not understood; no probe created")
	}
	ctr.ImagePullPolicy = c.pullPolicy(pl)
	ctr.Resources = c.resources(pl)
	ctr.SecurityContext = c.securityContext(pl)

	spec := corev1.PodSpec{}
	vols, mounts, usesPVC, err := c.volumes(pl)
	if err != nil {
		return corev1.PodTemplateSpec{}, false, err
	}
	sv, sm, err := c.secretsAndConfigs(pl)
	if err != nil {
		return corev1.PodTemplateSpec{}, false, err
	}
	vols, mounts = append(vols, sv...), append(mounts, sm...)
	sort.SliceStable(mounts, func(i, j int) bool { return mounts[i].MountPath < mounts[j].MountPath })
	ctr.VolumeMounts = mounts
	spec.Volumes = vols
	spec.Containers = []corev1.Container{ctr}
	spec.InitContainers = c.waitInitContainers(pl)
	c.podSettings(pl, &spec)

	tpl := corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: serviceLabels(pl.name)},
		Spec:       spec,
	}
	if len(s.Annotations) > 0 {
		tpl.Annotations = map[string]string{}
		for k, v := range s.Annotations {
			if validAnnotationKey(k) {
				tpl.Annotations[k] = v
			} else {
				c.warn.add(s.Name, "annotations."+k, "not a valid annotation key; dropped")
			}
		}
	}
	return tpl, usesPVC, nil
}

// escapeK8sVars keeps `$(` and `$$` literal: Kubernetes expands $(VAR) in
// command, args and env values, and docker compose does not.
func escapeK8sVars(s string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteByte(s[i])
		if s[i] == '$' && i+1 < len(s) && (s[i+1] == '(' || s[i+1] == '$') {
			b.WriteByte('$')
		}
	}
	return b.String()
}

func escapeAll(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = escapeK8sVars(s)
	}
	return out
}

// pullPolicy maps pull_policy and the kompose/x-berth override.
func (c *converter) pullPolicy(pl *plan) corev1.PullPolicy {
	p := pl.x.ImagePullPolicy
	if p == "" {
		p = pl.s.PullPolicy
	}
	switch strings.ToLower(p) {
	case "":
		return ""
	case "always":
		return corev1.PullAlways
	case "never":
		return corev1.PullNever
	case "missing", "if_not_present", "ifnotpresent":
		return corev1.PullIfNotPresent
	case "build":
		return corev1.PullIfNotPresent
	}
	c.warn.add(pl.name, "pull_policy", "%q not mapped", p)
	return ""
}

// resources maps deploy.resources and the v2 mem_limit/cpus keys.
func (c *converter) resources(pl *plan) corev1.ResourceRequirements {
	s := pl.s
	var r corev1.ResourceRequirements
	set := func(l *corev1.ResourceList, name corev1.ResourceName, q resource.Quantity) {
		if *l == nil {
			*l = corev1.ResourceList{}
		}
		(*l)[name] = q
	}
	apply := func(l *corev1.ResourceList, res *types.Resource) {
		if res == nil {
			return
		}
		if res.NanoCPUs > 0 {
			set(l, corev1.ResourceCPU, *resource.NewMilliQuantity(int64(float64(res.NanoCPUs)*1000+0.5), resource.DecimalSI))
		}
		if res.MemoryBytes > 0 {
			set(l, corev1.ResourceMemory, *resource.NewQuantity(int64(res.MemoryBytes), resource.BinarySI))
		}
	}
	if s.Deploy != nil {
		apply(&r.Limits, s.Deploy.Resources.Limits)
		apply(&r.Requests, s.Deploy.Resources.Reservations)
		if l := s.Deploy.Resources.Limits; l != nil && (l.Pids > 0 || len(l.Devices) > 0) {
			c.warn.add(s.Name, "deploy.resources.limits", "pids and devices not mapped")
		}
		if l := s.Deploy.Resources.Reservations; l != nil && (len(l.Devices) > 0 || len(l.GenericResources) > 0) {
			c.warn.add(s.Name, "deploy.resources.reservations", "devices and generic_resources not mapped")
		}
	}
	if s.CPUS > 0 {
		set(&r.Limits, corev1.ResourceCPU, *resource.NewMilliQuantity(int64(float64(s.CPUS)*1000+0.5), resource.DecimalSI))
	}
	if s.MemLimit > 0 {
		set(&r.Limits, corev1.ResourceMemory, *resource.NewQuantity(int64(s.MemLimit), resource.BinarySI))
	}
	if s.MemReservation > 0 {
		set(&r.Requests, corev1.ResourceMemory, *resource.NewQuantity(int64(s.MemReservation), resource.BinarySI))
	}
	// requests may not exceed limits
	for name, req := range r.Requests {
		if lim, ok := r.Limits[name]; ok && req.Cmp(lim) > 0 {
			r.Requests[name] = lim
			c.warn.add(s.Name, "deploy.resources.reservations", "%s reservation above its limit; lowered to the limit", name)
		}
	}
	return r
}

// securityContext maps user, cap_add/cap_drop, privileged and read_only.
func (c *converter) securityContext(pl *plan) *corev1.SecurityContext {
	s := pl.s
	sc := &corev1.SecurityContext{}
	if s.User != "" {
		u, g, hasGroup := strings.Cut(s.User, ":")
		if uid, err := strconv.ParseInt(u, 10, 64); err == nil && uid >= 0 {
			sc.RunAsUser = &uid
			if hasGroup {
				if gid, err := strconv.ParseInt(g, 10, 64); err == nil && gid >= 0 {
					sc.RunAsGroup = &gid
				} else {
					c.warn.add(s.Name, "user", "group %q is not numeric; not mapped (Kubernetes needs numeric ids)", g)
				}
			}
		} else {
			c.warn.add(s.Name, "user", "user %q is not numeric; not mapped (Kubernetes needs numeric ids)", s.User)
		}
	}
	caps := func(in []string) []corev1.Capability {
		var out []corev1.Capability
		for _, c := range in {
			out = append(out, corev1.Capability(strings.TrimPrefix(strings.ToUpper(c), "CAP_")))
		}
		return out
	}
	if len(s.CapAdd) > 0 || len(s.CapDrop) > 0 {
		sc.Capabilities = &corev1.Capabilities{Add: caps(s.CapAdd), Drop: caps(s.CapDrop)}
	}
	if s.Privileged {
		t := true
		sc.Privileged = &t
	}
	if s.ReadOnly {
		t := true
		sc.ReadOnlyRootFilesystem = &t
	}
	if *sc == (corev1.SecurityContext{}) {
		return nil
	}
	return sc
}

// safeSysctls are the sysctls kubelets allow by default.
var safeSysctls = map[string]bool{
	"kernel.shm_rmid_forced": true, "net.ipv4.ip_local_port_range": true, "net.ipv4.ip_unprivileged_port_start": true,
	"net.ipv4.tcp_syncookies": true, "net.ipv4.ping_group_range": true, "net.ipv4.ip_local_reserved_ports": true,
	"net.ipv4.tcp_keepalive_time": true, "net.ipv4.tcp_fin_timeout": true, "net.ipv4.tcp_keepalive_intvl": true,
	"net.ipv4.tcp_keepalive_probes": true, "net.ipv4.tcp_rmem": true, "net.ipv4.tcp_wmem": true,
}

// podSettings maps pod-level keys: hostname, extra_hosts, sysctls,
// stop_grace_period and platform.
func (c *converter) podSettings(pl *plan, spec *corev1.PodSpec) {
	s := pl.s
	if s.Hostname != "" {
		h := dnsName(s.Hostname, 63)
		spec.Hostname = h
		if h != s.Hostname {
			c.warn.add(s.Name, "hostname", "changed to %q (a DNS label)", h)
		}
		if s.DomainName != "" {
			spec.Subdomain = dnsName(s.DomainName, 63)
		}
	}
	if len(s.ExtraHosts) > 0 {
		byIP := map[string][]string{}
		for host, ips := range s.ExtraHosts {
			for _, ip := range ips {
				if ip == "host-gateway" {
					c.warn.add(s.Name, "extra_hosts", "%s:host-gateway not mapped (no docker host in a cluster)", host)
					continue
				}
				byIP[ip] = append(byIP[ip], host)
			}
		}
		for _, ip := range sortedKeys(byIP) {
			hosts := byIP[ip]
			sort.Strings(hosts)
			spec.HostAliases = append(spec.HostAliases, corev1.HostAlias{IP: ip, Hostnames: hosts})
		}
	}
	if len(s.Sysctls) > 0 {
		psc := &corev1.PodSecurityContext{}
		for _, k := range sortedKeys(s.Sysctls) {
			if !safeSysctls[k] {
				c.warn.add(s.Name, "sysctls."+k, "not a safe sysctl: kubelets reject it unless allowed with --allowed-unsafe-sysctls")
			}
			psc.Sysctls = append(psc.Sysctls, corev1.Sysctl{Name: k, Value: s.Sysctls[k]})
		}
		spec.SecurityContext = psc
	}
	if s.StopGracePeriod != nil {
		g := int64((time.Duration(*s.StopGracePeriod) + time.Second - 1) / time.Second)
		spec.TerminationGracePeriodSeconds = &g
	}
	if s.Platform != "" {
		os, arch, _ := strings.Cut(s.Platform, "/")
		arch, _, _ = strings.Cut(arch, "/")
		if os == "linux" || os == "windows" {
			spec.NodeSelector = map[string]string{"kubernetes.io/os": os}
			if arch != "" {
				spec.NodeSelector["kubernetes.io/arch"] = arch
			}
		} else {
			c.warn.add(s.Name, "platform", "platform %q not mapped to a node selector", s.Platform)
		}
	}
	if s.ShmSize > 0 {
		q := resource.NewQuantity(int64(s.ShmSize), resource.BinarySI)
		spec.Volumes = append(spec.Volumes, corev1.Volume{Name: "dshm", VolumeSource: corev1.VolumeSource{
			EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory, SizeLimit: q}}})
		spec.Containers[0].VolumeMounts = append(spec.Containers[0].VolumeMounts, corev1.VolumeMount{Name: "dshm", MountPath: "/dev/shm"})
	}
}

// serviceWarnings reports keys of a service that are not mapped.
func (c *converter) serviceWarnings(pl *plan) {
	s := pl.s
	for _, k := range unmappedKeys(&s, handledServiceKeys) {
		c.warn.add(s.Name, k, "not mapped")
	}
	if s.Deploy != nil {
		for _, k := range unmappedKeys(s.Deploy, handledDeployKeys) {
			c.warn.add(s.Name, "deploy."+k, "not mapped")
		}
	}
	if s.ContainerName != "" {
		c.warn.add(s.Name, "container_name", "not mapped: pods are named after the workload %q", pl.k8s)
	}
	if s.Develop != nil {
		c.warn.add(s.Name, "develop", "not mapped: compose watch has no Kubernetes equivalent")
	}
	for _, n := range sortedKeys(s.Networks) {
		nw := s.Networks[n]
		if nw == nil {
			continue
		}
		if nw.Ipv4Address != "" || nw.Ipv6Address != "" {
			c.warn.add(s.Name, "networks."+n, "fixed address not mapped: pods get cluster-assigned addresses")
		}
		if len(nw.Aliases) > 0 {
			c.warn.add(s.Name, "networks."+n+".aliases", "not mapped: only the service name resolves")
		}
	}
	for _, l := range s.Links {
		if target, alias, ok := strings.Cut(l, ":"); ok && alias != target {
			c.warn.add(s.Name, "links", "alias %q for %s not mapped: only the service name resolves", alias, target)
		}
	}
	for _, dep := range sortedKeys(s.DependsOn) {
		d, ok := c.plans[dep]
		if ok && s.DependsOn[dep].Condition == meta.ConditionHealthy && d.s.HealthCheck == nil {
			c.warn.add(s.Name, "depends_on."+dep, "%s has no healthcheck in compose (its image's HEALTHCHECK is not visible): service_healthy waits for its pod to start only", dep)
		}
		if !ok && !s.DependsOn[dep].Required {
			c.warn.add(s.Name, "depends_on."+dep, "optional dependency %s is not in the converted app (e.g. its profile is not enabled): dropped", dep)
		}
		if s.DependsOn[dep].Restart {
			c.warn.add(s.Name, "depends_on."+dep+".restart", "not mapped: %s is not restarted when %s is redeployed", s.Name, dep)
		}
	}
	if s.Deploy != nil && s.Deploy.RestartPolicy != nil && pl.kind != kindJob && s.Deploy.RestartPolicy.Condition != "" && s.Deploy.RestartPolicy.Condition != "any" {
		c.warn.add(s.Name, "deploy.restart_policy", "condition %q not mapped: pods of a %s always restart", s.Deploy.RestartPolicy.Condition, pl.kind)
	}
	if pl.kind != kindJob && (s.Restart == types.RestartPolicyNo || strings.HasPrefix(s.Restart, types.RestartPolicyOnFailure)) {
		c.warn.add(s.Name, "restart", "%q not mapped: pods of a %s always restart", s.Restart, pl.kind)
	}
}
