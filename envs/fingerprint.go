package envs

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/berth-dev/berth/meta"
)

// fingerprintLen is how many hex digits of the SHA-256 a fingerprint keeps.
const fingerprintLen = 16

// ContextDigest returns the content digest of an image's build context
// (the meta.AnnotationBuildContext value, relative to the app's root), and
// false when it cannot be read.
type ContextDigest func(context string) (string, bool)

// Fingerprint sets meta.AnnotationFingerprint on every workload and Job of
// objs (see the annotation): the hash of its kind and spec with env's own
// names taken out (the meta.LabelEnv label, the namespace), the images of
// env's own tag replaced by their build context's digest (when digest
// knows it: a branch tags its images its own way, so the tag says nothing
// of their content), and the data of each ConfigMap and Secret of objs
// the pod spec names. A pre-deploy Job is hashed without its content
// name. Two envs rendered from the same app get equal fingerprints for
// the services that did not change between them.
func Fingerprint(objs []*unstructured.Unstructured, env Env, digest ContextDigest) error {
	data := map[string]string{} // "ConfigMap/name" → hash of its data
	for _, o := range objs {
		if k := o.GetKind(); (k == "ConfigMap" || k == "Secret") && o.GroupVersionKind().Group == "" {
			h, err := hashJSON([]any{o.Object["data"], o.Object["binaryData"], o.Object["stringData"]})
			if err != nil {
				return fmt.Errorf("%s %s: %w", k, o.GetName(), err)
			}
			data[k+"/"+o.GetName()] = h
		}
	}
	for _, o := range objs {
		if PodSpecPath(o.GetKind()) == nil {
			continue
		}
		fp, err := fingerprintOf(o, env, digest, data)
		if err != nil {
			return fmt.Errorf("%s %s: fingerprint: %w", o.GetKind(), o.GetName(), err)
		}
		ann := o.GetAnnotations()
		if ann == nil {
			ann = map[string]string{}
		}
		ann[meta.AnnotationFingerprint] = fp
		o.SetAnnotations(ann)
	}
	return nil
}

// fingerprintOf hashes one workload (see Fingerprint).
func fingerprintOf(o *unstructured.Unstructured, env Env, digest ContextDigest, data map[string]string) (string, error) {
	spec := runtime.DeepCopyJSONValue(o.Object["spec"])
	withoutEnv(spec, env.Namespace)
	cp := &unstructured.Unstructured{Object: map[string]any{"kind": o.GetKind(), "spec": spec}}
	podSpec, err := PodSpec(cp)
	if err != nil {
		return "", err
	}
	used := map[string]string{}
	if podSpec != nil {
		context := o.GetAnnotations()[meta.AnnotationBuildContext]
		for _, field := range []string{"initContainers", "containers"} {
			cs, _ := podSpec[field].([]any)
			for _, c := range cs {
				m, ok := c.(map[string]any)
				if !ok {
					continue
				}
				image, _ := m["image"].(string)
				if context != "" && digest != nil && imageTag(image) == env.Tag {
					if d, ok := digest(context); ok {
						m["image"] = imageName(image) + "@context:" + d
					}
				}
			}
		}
		for _, ref := range configRefs(podSpec) {
			if h, ok := data[ref]; ok {
				used[ref] = h
			}
		}
	}
	return hashJSON(map[string]any{"kind": o.GetKind(), "spec": spec, "data": used})
}

// withoutEnv drops, everywhere in v, the meta.LabelEnv entries and values
// naming the env's namespace: they differ between any two envs.
func withoutEnv(v any, ns string) {
	switch t := v.(type) {
	case map[string]any:
		if t[meta.LabelEnv] == ns {
			delete(t, meta.LabelEnv)
		}
		if t["namespace"] == ns {
			delete(t, "namespace")
		}
		for _, x := range t {
			withoutEnv(x, ns)
		}
	case []any:
		for _, x := range t {
			withoutEnv(x, ns)
		}
	}
}

// configRefs are the ConfigMaps and Secrets a pod spec names, as
// "ConfigMap/name" and "Secret/name": volumes (projected too), envFrom
// and env valueFrom, in init and app containers.
func configRefs(podSpec map[string]any) []string {
	refs := map[string]bool{}
	add := func(kind string, m any) {
		if mm, ok := m.(map[string]any); ok {
			for _, key := range []string{"name", "secretName"} {
				if n, ok := mm[key].(string); ok && n != "" {
					refs[kind+"/"+n] = true
				}
			}
		}
	}
	vols, _ := podSpec["volumes"].([]any)
	for _, v := range vols {
		vm, _ := v.(map[string]any)
		add("ConfigMap", vm["configMap"])
		add("Secret", vm["secret"])
		if p, ok := vm["projected"].(map[string]any); ok {
			srcs, _ := p["sources"].([]any)
			for _, s := range srcs {
				sm, _ := s.(map[string]any)
				add("ConfigMap", sm["configMap"])
				add("Secret", sm["secret"])
			}
		}
	}
	for _, field := range []string{"initContainers", "containers"} {
		cs, _ := podSpec[field].([]any)
		for _, c := range cs {
			cm, _ := c.(map[string]any)
			from, _ := cm["envFrom"].([]any)
			for _, f := range from {
				fm, _ := f.(map[string]any)
				add("ConfigMap", fm["configMapRef"])
				add("Secret", fm["secretRef"])
			}
			env, _ := cm["env"].([]any)
			for _, e := range env {
				em, _ := e.(map[string]any)
				vf, _ := em["valueFrom"].(map[string]any)
				add("ConfigMap", vf["configMapKeyRef"])
				add("Secret", vf["secretKeyRef"])
			}
		}
	}
	out := make([]string, 0, len(refs))
	for r := range refs {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// hashJSON is the first fingerprintLen hex digits of the SHA-256 of v as
// JSON (maps marshal with sorted keys).
func hashJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:fingerprintLen], nil
}

// imageTag is the tag of an image reference, "" for none (or a digest).
func imageTag(image string) string {
	if strings.Contains(image, "@") {
		return ""
	}
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		return image[i+1:]
	}
	return ""
}

// DirDigest returns a ContextDigest reading build contexts under root: the
// SHA-256 of every regular file's path, mode and content (.git left out),
// each context read once.
func DirDigest(root string) ContextDigest {
	seen := map[string]string{}
	return func(context string) (string, bool) {
		if d, ok := seen[context]; ok {
			return d, d != ""
		}
		d, err := dirDigest(filepath.Join(root, filepath.FromSlash(context)))
		if err != nil {
			d = ""
		}
		seen[context] = d
		return d, d != ""
	}
}

func dirDigest(dir string) (string, error) {
	if strings.Contains(dir, "://") {
		return "", fmt.Errorf("remote context %s", dir)
	}
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %o\n", filepath.ToSlash(rel), info.Mode().Perm())
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(h, f)
		return err
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil))[:fingerprintLen], nil
}
