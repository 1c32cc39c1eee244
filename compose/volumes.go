package compose

import (
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/meta"
)

// defaultVolumeSize is the size of a PVC when nothing says otherwise.
const defaultVolumeSize = "1Gi"

// pvcPlan is a named volume turned into a PersistentVolumeClaim.
type pvcPlan struct {
	name  string // compose volume name
	k8s   string
	users []string
	cfg   types.VolumeConfig
}

// hostPathPrefixes are host locations that make no sense in a pod.
var hostPathPrefixes = []string{"/var/run", "/run", "/proc", "/sys", "/dev", "/etc", "/var/lib/docker", "/tmp/.X11-unix"}

// planVolumes records which services use each named volume.
func (c *converter) planVolumes() {
	for _, name := range c.order {
		for _, v := range c.p.Services[name].Volumes {
			if v.Type != types.VolumeTypeVolume || v.Source == "" {
				continue
			}
			pv := c.pvcs[v.Source]
			if pv == nil {
				cfg := c.p.Volumes[v.Source]
				claim := v.Source
				if cfg.External && cfg.Name != "" {
					claim = cfg.Name // the existing volume's own name
				}
				pv = &pvcPlan{name: v.Source, k8s: dnsName(claim, 63), cfg: cfg}
				c.pvcs[v.Source] = pv
			}
			if len(pv.users) == 0 || pv.users[len(pv.users)-1] != name {
				pv.users = append(pv.users, name)
			}
		}
	}
}

// volumes maps a service's volumes and tmpfs to pod volumes and mounts.
func (c *converter) volumes(pl *plan) ([]corev1.Volume, []corev1.VolumeMount, bool, error) {
	s := pl.s
	var vols []corev1.Volume
	var mounts []corev1.VolumeMount
	usesPVC := false
	names := map[string]bool{}
	volName := func(base string) string {
		n := dnsName(base, 63)
		for i := 2; names[n]; i++ {
			n = dnsName(fmt.Sprintf("%s-%d", base, i), 63)
		}
		names[n] = true
		return n
	}
	// a source mount left out (the image has the files) also leaves out the
	// anonymous volumes that protect image files (node_modules) from it
	inImage := map[int]string{} // volume index -> the Dockerfile line copying it
	for i, v := range s.Volumes {
		if v.Type == types.VolumeTypeBind && path.IsAbs(v.Target) {
			if at := c.inImage(s, v); at != "" {
				inImage[i] = at
			}
		}
	}
	skippedSource := len(inImage) > 0
	for i, v := range s.Volumes {
		key := fmt.Sprintf("volumes.%d", i)
		if v.Target == "" || !path.IsAbs(v.Target) {
			c.warn.add(s.Name, key, "no absolute target; skipped")
			continue
		}
		m := corev1.VolumeMount{MountPath: v.Target, ReadOnly: v.ReadOnly}
		if v.Volume != nil && v.Volume.Subpath != "" {
			m.SubPath = v.Volume.Subpath
		}
		switch v.Type {
		case types.VolumeTypeVolume:
			if v.Source == "" {
				if skippedSource {
					// it protects image files from a source mount that is
					// not mounted either: the image's files stay visible
					continue
				}
				m.Name = volName("anon-" + v.Target)
				vols = append(vols, corev1.Volume{Name: m.Name, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
				c.warn.add(s.Name, key, "anonymous volume %s is an emptyDir: it starts empty (docker copies the image's files into it)", v.Target)
				break
			}
			pv := c.pvcs[v.Source]
			m.Name = volName(pv.k8s)
			vols = append(vols, corev1.Volume{Name: m.Name, VolumeSource: corev1.VolumeSource{
				PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: pv.k8s}}})
			usesPVC = true
			if len(pv.users) > 1 && pl.kind != kindDaemonSet {
				c.warn.add(s.Name, key, "volume %s is shared with %s: a ReadWriteOnce claim mounts on one node only", v.Source, strings.Join(others(pv.users, s.Name), ", "))
			}
		case types.VolumeTypeTmpfs:
			m.Name = volName("tmpfs-" + v.Target)
			ed := &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory}
			if v.Tmpfs != nil && v.Tmpfs.Size > 0 {
				ed.SizeLimit = resource.NewQuantity(int64(v.Tmpfs.Size), resource.BinarySI)
			}
			vols = append(vols, corev1.Volume{Name: m.Name, VolumeSource: corev1.VolumeSource{EmptyDir: ed}})
		case types.VolumeTypeBind:
			vol, sub, ok := c.bindVolume(pl, key, v, inImage[i])
			if !ok {
				continue
			}
			m.Name = volName(vol.Name)
			vol.Name = m.Name
			m.SubPath = sub
			if vol.ConfigMap != nil {
				m.ReadOnly = true
			}
			vols = append(vols, vol)
		default:
			c.warn.add(s.Name, key, "volume type %q not mapped; skipped", v.Type)
			continue
		}
		mounts = append(mounts, m)
	}
	for _, t := range s.Tmpfs {
		target, opts, _ := strings.Cut(t, ":")
		ed := &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory}
		for _, o := range strings.Split(opts, ",") {
			if sz, ok := strings.CutPrefix(o, "size="); ok {
				var n types.UnitBytes
				if err := n.DecodeMapstructure(sz); err == nil && n > 0 {
					ed.SizeLimit = resource.NewQuantity(int64(n), resource.BinarySI)
				} else {
					c.warn.add(s.Name, "tmpfs", "size %q not understood; no size limit", sz)
				}
			}
		}
		n := volName("tmpfs-" + target)
		vols = append(vols, corev1.Volume{Name: n, VolumeSource: corev1.VolumeSource{EmptyDir: ed}})
		mounts = append(mounts, corev1.VolumeMount{Name: n, MountPath: target})
	}
	if len(s.VolumesFrom) > 0 {
		c.warn.add(s.Name, "volumes_from", "not mapped: mount the volumes explicitly")
	}
	return vols, mounts, usesPVC, nil
}

// bindVolume maps a bind mount: project files and small directories become
// a ConfigMap; sources the Dockerfile copies to the same target (inImage
// names its line), host paths and docker.sock are skipped with a warning.
// Each volume gets one warning at most.
func (c *converter) bindVolume(pl *plan, key string, v types.ServiceVolumeConfig, inImage string) (corev1.Volume, string, bool) {
	s := pl.s
	src := filepath.Clean(v.Source)
	if strings.HasSuffix(src, "docker.sock") {
		c.warn.add(s.Name, key, "docker socket %s not mapped: pods have no docker daemon", v.Source)
		return corev1.Volume{}, "", false
	}
	if !c.inProject(src) {
		for _, p := range hostPathPrefixes {
			if src == p || strings.HasPrefix(src, p+"/") {
				c.warn.add(s.Name, key, "host path %s not mapped: pods should not depend on node files", v.Source)
				return corev1.Volume{}, "", false
			}
		}
		c.warn.add(s.Name, key, "host path %s outside the project not mapped", v.Source)
		return corev1.Volume{}, "", false
	}
	rel := c.relToProject(src)
	if inImage != "" {
		c.warn.add(s.Name, key, "source mount ./%s not mapped: %s already puts it at %s in the image (no live reload)", rel, inImage, path.Clean(v.Target))
		return corev1.Volume{}, "", false
	}
	fi, err := c.fs.Stat(src)
	if err != nil {
		c.warn.add(s.Name, key, "bind source ./%s does not exist; mounted an empty directory", rel)
		return corev1.Volume{Name: "bind-" + v.Target, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}, "", true
	}
	// only a volume that ends up in a ConfigMap is warned read-only
	readOnly := func() {
		if !v.ReadOnly {
			c.warn.add(s.Name, key, "./%s is mounted read-only from a ConfigMap (writes fail)", rel)
		}
	}
	cmName := c.uniqueConfigMapName(dnsName(rel, 52), src)
	if !fi.IsDir() {
		if !fi.Mode().IsRegular() || fi.Size() > 1<<20 {
			c.warn.add(s.Name, key, "./%s is not a regular file under 1 MiB; not mapped", rel)
			return corev1.Volume{}, "", false
		}
		data, err := c.fs.ReadFile(src)
		if err != nil {
			c.warn.add(s.Name, key, "cannot read ./%s: %v; not mapped", rel, err)
			return corev1.Volume{}, "", false
		}
		k := configKey(path.Base(rel))
		c.addFileGenerator(cmName, src, map[string][]byte{k: data})
		readOnly()
		vol := corev1.Volume{Name: cmName, VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: cmName}}}}
		return vol, k, true
	}
	files, err := c.readSmallDir(src)
	if err != nil {
		c.warn.add(s.Name, key, "directory ./%s not mapped: %v", rel, err)
		return corev1.Volume{}, "", false
	}
	if len(files) == 0 {
		c.warn.add(s.Name, key, "directory ./%s is empty; mounted an empty directory", rel)
		return corev1.Volume{Name: "bind-" + v.Target, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}, "", true
	}
	data := map[string][]byte{}
	var items []corev1.KeyToPath
	for _, f := range sortedKeys(files) {
		k := configKey(f)
		for data[k] != nil {
			k = configKey(meta.NameHash(f, 6) + "-" + f)
		}
		data[k] = files[f]
		items = append(items, corev1.KeyToPath{Key: k, Path: f})
	}
	c.addFileGenerator(cmName, src, data)
	readOnly()
	vol := corev1.Volume{Name: cmName, VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: cmName}, Items: items}}}
	return vol, "", true
}

// readSmallDir reads every regular file under dir (relative slash paths),
// failing when the directory is larger than the ConfigMap limits.
func (c *converter) readSmallDir(dir string) (map[string][]byte, error) {
	out := map[string][]byte{}
	var total int64
	var walk func(abs, rel string, depth int) error
	walk = func(abs, rel string, depth int) error {
		if depth > 8 {
			return fmt.Errorf("nested too deep for a ConfigMap")
		}
		ents, err := c.fs.ReadDir(abs)
		if err != nil {
			return err
		}
		sort.Slice(ents, func(i, j int) bool { return ents[i].Name() < ents[j].Name() })
		for _, e := range ents {
			a, r := filepath.Join(abs, e.Name()), path.Join(rel, e.Name())
			if e.IsDir() {
				if err := walk(a, r, depth+1); err != nil {
					return err
				}
				continue
			}
			if e.Type()&fs.ModeType != 0 {
				continue // symlinks, sockets, devices
			}
			b, err := c.fs.ReadFile(a)
			if err != nil {
				return err
			}
			total += int64(len(b))
			out[r] = b
			if len(out) > c.o.MaxConfigDirFiles || total > c.o.MaxConfigDirBytes {
				return fmt.Errorf("more than %d files or %d KiB: too big for a ConfigMap", c.o.MaxConfigDirFiles, c.o.MaxConfigDirBytes>>10)
			}
		}
		return nil
	}
	return out, walk(dir, "", 0)
}

// uniqueConfigMapName returns name, or a hashed variant when another source
// already uses it.
func (c *converter) uniqueConfigMapName(name, source string) string {
	if g, ok := c.cmGens[name]; !ok || g.source == source {
		return name
	}
	return meta.FitName(name, 52, meta.Hashed(true), meta.HashOf(source))
}

// addFileGenerator registers a ConfigMap generator over files copied under
// base/files/<name>/.
func (c *converter) addFileGenerator(name, source string, data map[string][]byte) {
	if _, ok := c.cmGens[name]; ok {
		return
	}
	g := &generator{name: name, source: source}
	for _, k := range sortedKeys(data) {
		p := "files/" + name + "/" + k
		c.files[p] = data[k]
		g.files = append(g.files, k+"="+p)
	}
	c.cmGens[name] = g
}

// ownedPVCs are the claims of named volumes only this service uses.
func (c *converter) ownedPVCs(pl *plan) []any {
	var out []any
	for _, n := range sortedKeys(c.pvcs) {
		pv := c.pvcs[n]
		if len(pv.users) == 1 && pv.users[0] == pl.name {
			if obj := c.pvcObject(pv, pl); obj != nil {
				out = append(out, obj)
			}
		}
	}
	return out
}

// sharedObjects are the claims of volumes several services use.
func (c *converter) sharedObjects() ([]any, error) {
	var out []any
	for _, n := range sortedKeys(c.pvcs) {
		pv := c.pvcs[n]
		if len(pv.users) > 1 {
			if obj := c.pvcObject(pv, nil); obj != nil {
				out = append(out, obj)
			}
		}
	}
	return out, nil
}

// pvcObject builds the claim of a named volume (nil for external volumes:
// see devExternalVolumes).
func (c *converter) pvcObject(pv *pvcPlan, owner *plan) any {
	if pv.cfg.External {
		return nil
	}
	var svc serviceExt
	om := metav1.ObjectMeta{Name: pv.k8s}
	if owner != nil {
		svc = owner.x
		om.Labels = serviceLabels(owner.name)
	}
	x := c.volumeExtension(pv.name, pv.cfg, svc)
	size := x.Size
	if size == "" {
		size = defaultVolumeSize
	}
	q, err := resource.ParseQuantity(size)
	if err != nil {
		c.warn.add("", "volumes."+pv.name, "size %q is not a quantity; using %s", size, defaultVolumeSize)
		q = resource.MustParse(defaultVolumeSize)
	}
	mode := corev1.ReadWriteOnce
	switch x.AccessMode {
	case "", "ReadWriteOnce":
	case "ReadWriteMany", "ReadOnlyMany", "ReadWriteOncePod":
		mode = corev1.PersistentVolumeAccessMode(x.AccessMode)
	default:
		c.warn.add("", "volumes."+pv.name+"."+extensionKey+".accessMode", "unknown access mode %q; using ReadWriteOnce", x.AccessMode)
	}
	if pv.cfg.Driver != "" && pv.cfg.Driver != "local" {
		c.warn.add("", "volumes."+pv.name+".driver", "driver %q not mapped; set %s.storageClass", pv.cfg.Driver, extensionKey)
	}
	for _, k := range sortedKeys(pv.cfg.DriverOpts) {
		if k != "size" {
			c.warn.add("", "volumes."+pv.name+".driver_opts."+k, "not mapped")
		}
	}
	pvc := &corev1.PersistentVolumeClaim{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
		ObjectMeta: om,
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{mode},
			Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: q}},
		},
	}
	if x.StorageClass != "" {
		sc := x.StorageClass
		pvc.Spec.StorageClassName = &sc
	}
	return pvc
}

func others(list []string, self string) []string {
	var out []string
	for _, s := range list {
		if s != self {
			out = append(out, s)
		}
	}
	return out
}
