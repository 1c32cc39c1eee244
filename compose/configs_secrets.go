package compose

import (
	"fmt"
	"path"
	"strconv"

	"github.com/compose-spec/compose-go/v2/types"
	corev1 "k8s.io/api/core/v1"

	"github.com/berth-dev/berth/meta"
)

// secretsAndConfigs mounts compose secrets (as Secrets at /run/secrets/<name>
// or their target) and configs (as ConfigMaps at their target), each file
// mounted read-only on its own path.
func (c *converter) secretsAndConfigs(pl *plan) ([]corev1.Volume, []corev1.VolumeMount, error) {
	s := pl.s
	var vols []corev1.Volume
	var mounts []corev1.VolumeMount
	for i, ref := range s.Secrets {
		key := fmt.Sprintf("secrets.%d", i)
		def, ok := c.p.Secrets[ref.Source]
		if !ok {
			return nil, nil, c.fail(s.Name, key, fmt.Errorf("secret %q is not defined at top level", ref.Source))
		}
		name, err := c.objectSource(true, ref.Source, types.FileObjectConfig(def))
		if err != nil {
			return nil, nil, c.fail(s.Name, key, err)
		}
		target := ref.Target
		if target == "" {
			target = ref.Source
		}
		if !path.IsAbs(target) {
			target = "/run/secrets/" + target
		}
		v, m := fileMount(fmt.Sprintf("secret-%d", i), target, ref.Source, types.FileReferenceConfig(ref), true)
		v.Secret.SecretName = name
		c.fileOwner(s.Name, key, ref.UID, ref.GID)
		vols, mounts = append(vols, v), append(mounts, m)
	}
	for i, ref := range s.Configs {
		key := fmt.Sprintf("configs.%d", i)
		def, ok := c.p.Configs[ref.Source]
		if !ok {
			return nil, nil, c.fail(s.Name, key, fmt.Errorf("config %q is not defined at top level", ref.Source))
		}
		name, err := c.objectSource(false, ref.Source, types.FileObjectConfig(def))
		if err != nil {
			return nil, nil, c.fail(s.Name, key, err)
		}
		target := ref.Target
		if target == "" {
			target = "/" + ref.Source
		}
		v, m := fileMount(fmt.Sprintf("config-%d", i), target, ref.Source, types.FileReferenceConfig(ref), false)
		v.ConfigMap.Name = name
		c.fileOwner(s.Name, key, ref.UID, ref.GID)
		vols, mounts = append(vols, v), append(mounts, m)
	}
	return vols, mounts, nil
}

// fileMount mounts one key of a Secret or ConfigMap as a file at target.
func fileMount(volName, target, key string, ref types.FileReferenceConfig, secret bool) (corev1.Volume, corev1.VolumeMount) {
	k := configKey(key)
	item := corev1.KeyToPath{Key: k, Path: k}
	if ref.Mode != nil {
		m := int32(*ref.Mode) & 0o777
		item.Mode = &m
	}
	v := corev1.Volume{Name: volName}
	if secret {
		v.Secret = &corev1.SecretVolumeSource{Items: []corev1.KeyToPath{item}}
	} else {
		v.ConfigMap = &corev1.ConfigMapVolumeSource{Items: []corev1.KeyToPath{item}}
	}
	return v, corev1.VolumeMount{Name: volName, MountPath: target, SubPath: k, ReadOnly: true}
}

// fileOwner warns about uid/gid, which Kubernetes volumes cannot set per file.
func (c *converter) fileOwner(service, key, uid, gid string) {
	if uid != "" || gid != "" {
		c.warn.add(service, key, "uid/gid not mapped: set fsGroup or runAsUser on the pod")
	}
}

// objectSource registers the generator of a top-level secret or config and
// returns the Secret or ConfigMap name.
func (c *converter) objectSource(secret bool, name string, def types.FileObjectConfig) (string, error) {
	kind, top, dir := "config", "configs", "configs"
	gens := c.cmGens
	if secret {
		kind, top, dir = "secret", "secrets", "secrets"
		gens = c.secretGens
	}
	source := top + "." + name
	objName := dnsName(name, 52)
	if !secret {
		objName = c.uniqueConfigMapName(dnsName("config-"+name, 52), source)
	} else if g, ok := gens[objName]; ok && g.source != source {
		objName = meta.FitName(objName, 52, meta.Hashed(true), meta.HashOf(source))
	}
	if def.External {
		n := name
		if def.Name != "" {
			n = def.Name
		}
		obj := dnsName(n, 253)
		c.warn.add("", top+"."+name+".external", "external %s: a %s named %q must exist, berth creates none; map it in berth.yaml (external.%s.%s) to one an environment has", kind, map[bool]string{true: "Secret", false: "ConfigMap"}[secret], obj, top, obj)
		return obj, nil
	}
	if _, ok := gens[objName]; ok {
		return objName, nil
	}
	k := configKey(name)
	file := dir + "/" + k
	var data []byte
	var sops *sopsFile
	if secret {
		var err error
		if sops, err = c.sopsSecret(def); err != nil {
			return "", fmt.Errorf("%s %s: %w", kind, name, err)
		}
	}
	switch {
	case sops != nil:
		// Kept encrypted: `berth up` decrypts it in memory.
		data, file = sops.data, file+".sops"+sops.format.Ext()
	case def.File != "":
		b, err := c.fs.ReadFile(def.File)
		if err != nil {
			return "", fmt.Errorf("%s %s: %w", kind, name, err)
		}
		data = b
		if secret {
			c.warn.add("", top+"."+name+".file", "copied into base/%s: keep it out of version control or replace it with a sealed/external secret", file)
		}
	case def.Content != "":
		data = []byte(def.Content)
	case def.Environment != "":
		v, ok := c.p.Environment[def.Environment]
		if secret {
			c.warn.add("", top+"."+name+".environment", "written empty to base/%s: fill it at deploy time from $%s", file, def.Environment)
		} else if !ok {
			c.warn.add("", top+"."+name+".environment", "$%s is not set; the %s is empty", def.Environment, kind)
		} else {
			data = []byte(v)
		}
	default:
		return "", fmt.Errorf("%s %s has no file, content or environment", kind, name)
	}
	if def.Driver != "" || def.TemplateDriver != "" {
		c.warn.add("", top+"."+name, "driver not mapped")
	}
	if _, taken := c.files[file]; taken {
		file = dir + "/" + strconv.Itoa(len(gens)) + "-" + k
	}
	c.files[file] = data
	g := &generator{name: objName, files: []string{k + "=" + file}, source: source}
	if sops != nil {
		g.annotations = sops.annotations()
	}
	gens[objName] = g
	return objName, nil
}
