package compose

import (
	"bytes"
	"fmt"
	"sort"

	yaml "go.yaml.in/yaml/v3"
)

// generator is one configMapGenerator or secretGenerator entry.
type generator struct {
	name   string
	files  []string // key=path
	envs   []string
	source string            // what it was made from, to share it
	inline map[string]string // env values kept out of an env file
	// annotations go on the generated object (options.annotations).
	annotations map[string]string
}

// kustomization is the subset of kustomize's Kustomization berth writes, in
// the field order a reviewer expects.
type kustomization struct {
	APIVersion         string           `yaml:"apiVersion"`
	Kind               string           `yaml:"kind"`
	Resources          []string         `yaml:"resources,omitempty"`
	Images             []image          `yaml:"images,omitempty"`
	ConfigMapGenerator []generatorEntry `yaml:"configMapGenerator,omitempty"`
	SecretGenerator    []generatorEntry `yaml:"secretGenerator,omitempty"`
	Patches            []patchEntry     `yaml:"patches,omitempty"`
	Replicas           []replicaEntry   `yaml:"replicas,omitempty"`
}

type image struct {
	Name    string `yaml:"name"`
	NewName string `yaml:"newName,omitempty"`
	NewTag  string `yaml:"newTag,omitempty"`
	Digest  string `yaml:"digest,omitempty"`
}

type generatorEntry struct {
	Name  string   `yaml:"name"`
	Type  string   `yaml:"type,omitempty"`
	Files []string `yaml:"files,omitempty"`
	Envs  []string `yaml:"envs,omitempty"`
	// Options.Annotations go on the generated object.
	Options *generatorOptions `yaml:"options,omitempty"`
}

type generatorOptions struct {
	Annotations map[string]string `yaml:"annotations,omitempty"`
}

type patchEntry struct {
	Path   string       `yaml:"path"`
	Target *patchTarget `yaml:"target,omitempty"`
}

type patchTarget struct {
	Kind string `yaml:"kind,omitempty"`
}

type replicaEntry struct {
	Name  string `yaml:"name"`
	Count int32  `yaml:"count"`
}

// options are the generator's options entry, nil when it has none.
func (g *generator) options() *generatorOptions {
	if len(g.annotations) == 0 {
		return nil
	}
	return &generatorOptions{Annotations: g.annotations}
}

func newKustomization() kustomization {
	return kustomization{APIVersion: "kustomize.config.k8s.io/v1beta1", Kind: "Kustomization"}
}

func marshalYAML(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("render kustomization: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("render kustomization: %w", err)
	}
	return buf.Bytes(), nil
}

// baseKustomization lists the resource files in out, the generators and an
// images entry for every image.
func (c *converter) baseKustomization(out map[string][]byte) ([]byte, error) {
	k := newKustomization()
	for _, p := range sortedKeys(out) {
		k.Resources = append(k.Resources, p[len("base/"):])
	}
	for _, name := range sortedKeys(c.images) {
		tags := sortedKeys(c.images[name])
		img := image{Name: name}
		if len(tags) == 1 {
			img.NewTag, img.Digest = splitTagDigest(tags[0])
		}
		if img.NewTag == "" && img.Digest == "" {
			img.NewName = name // a valid no-op an overlay can replace
		}
		k.Images = append(k.Images, img)
	}
	for _, name := range sortedKeys(c.cmGens) {
		g := c.cmGens[name]
		k.ConfigMapGenerator = append(k.ConfigMapGenerator, generatorEntry{Name: g.name, Files: g.files, Envs: g.envs})
	}
	for _, name := range sortedKeys(c.secretGens) {
		g := c.secretGens[name]
		k.SecretGenerator = append(k.SecretGenerator, generatorEntry{Name: g.name, Type: "Opaque", Files: g.files, Envs: g.envs, Options: g.options()})
	}
	return marshalYAML(k)
}

func splitTagDigest(s string) (tag, digest string) {
	for i := 0; i < len(s); i++ {
		if s[i] == '@' {
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}

// sortedPlans returns the plans in service-name order.
func (c *converter) sortedPlans() []*plan {
	out := make([]*plan, 0, len(c.order))
	for _, n := range c.order {
		out = append(out, c.plans[n])
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].k8s < out[j].k8s })
	return out
}
