package envs

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"runtime/debug"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/yaml"

	"github.com/berth-dev/berth/cost"
	"github.com/berth-dev/berth/meta"
)

// SourcePrints returns, by meta.LabelService, a hash of what each
// service of a converted app is rendered from, read off the tree before
// any build: the service's own file; the base's image entries and
// ConfigMap and Secret generators (with their files' content) its file
// names; its build context's content; and what every service shares —
// the base's other settings and files, berth.yaml (what only the
// Namespace, lifecycle or cost reads aside) and berth's own build.
// Nothing of the env goes in, so two envs of the same app get equal
// prints for a service whose sources did not change between them, and
// then equal rendered objects (env names aside) and fingerprints: changed
// mode leaves such services out of the render (RenderBorrowing). A
// service whose build context cannot be read gets none (its fingerprint
// keeps the env's tag). nil for a base: tree.
func (a *App) SourcePrints() (map[string]string, error) {
	if a.prints != nil || a.Services == nil || a.BaseDir != "base" {
		return a.prints, nil
	}
	const kfile = "base/kustomization.yaml"
	var k types.Kustomization
	if err := yaml.Unmarshal(a.Files[kfile], &k); err != nil {
		return nil, fmt.Errorf("%s: %w", kfile, err)
	}
	type generator struct {
		name string
		args []byte
		data bytes.Buffer // its files, path by path (writeFile)
	}
	var gens []*generator
	inputs := map[string]bool{} // base files a generator reads
	addGen := func(name string, args any, files []string) error {
		raw, err := json.Marshal(args)
		if err != nil {
			return err
		}
		g := &generator{name: name, args: raw}
		for _, f := range files {
			if i := strings.Index(f, "="); i >= 0 {
				f = f[i+1:]
			}
			p := path.Join("base", f)
			inputs[p] = true
			writeFile(&g.data, p, a.Files[p])
		}
		gens = append(gens, g)
		return nil
	}
	for _, g := range k.ConfigMapGenerator {
		if err := addGen(g.Name, g, slices.Concat(g.FileSources, g.EnvSources)); err != nil {
			return nil, err
		}
	}
	for _, g := range k.SecretGenerator {
		if err := addGen(g.Name, g, slices.Concat(g.FileSources, g.EnvSources)); err != nil {
			return nil, err
		}
	}
	own := map[string]bool{}
	for _, sf := range a.Services {
		own[sf.File] = true
	}
	rest := k
	rest.Resources, rest.Images, rest.ConfigMapGenerator, rest.SecretGenerator = nil, nil, nil, nil
	cfg := a.Config // what only the Namespace, lifecycle or cost reads left out
	cfg.Baseline, cfg.TTL, cfg.IdleSleep, cfg.Webhook, cfg.DeveloperGroup, cfg.Pricing = Baseline{}, 0, 0, "", "", cost.Table{}
	shared := sha256.New()
	for _, v := range []any{buildID(), cfg, rest} {
		raw, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("source prints: %w", err)
		}
		shared.Write(append(raw, '\n'))
	}
	for _, p := range sortedKeys(a.Files) {
		if strings.HasPrefix(p, "base/") && p != kfile && !own[p] && !inputs[p] {
			writeFile(shared, p, a.Files[p])
		}
	}
	common := shared.Sum(nil)
	digest := a.contextDigest()
	prints := make(map[string]string, len(a.Services))
	for svc, sf := range a.Services {
		file, ok := a.Files[sf.File]
		if sf.File == "" || !ok {
			continue
		}
		h := sha256.New()
		h.Write(common)
		writeFile(h, sf.File, file)
		if sf.Context != "" {
			d, ok := digest(sf.Context)
			if !ok {
				continue
			}
			fmt.Fprintf(h, "context %s %s\n", sf.Context, d)
		}
		for _, img := range k.Images {
			if bytes.Contains(file, []byte(img.Name)) {
				raw, _ := json.Marshal(img)
				h.Write(append(raw, '\n'))
			}
		}
		for _, g := range gens {
			if namesObject(file, g.name) {
				h.Write(g.args)
				h.Write(g.data.Bytes())
			}
		}
		prints[svc] = hex.EncodeToString(h.Sum(nil))[:fingerprintLen]
	}
	a.prints = prints
	return prints, nil
}

// writeFile writes a file into a print: its path and length, then its
// content (so no two trees hash alike by moving bytes across files).
func writeFile(w io.Writer, path string, data []byte) {
	fmt.Fprintf(w, "%s %d\n", path, len(data))
	w.Write(data)
}

// namesObject reports whether a service's file names the ConfigMap or
// Secret name as pod specs do: a name: or secretName: value.
func namesObject(file []byte, name string) bool {
	for i := 0; ; {
		j := bytes.Index(file[i:], []byte(name))
		if j < 0 {
			return false
		}
		at, end := i+j, i+j+len(name)
		before := bytes.TrimRight(file[:at], `"'`)
		if (bytes.HasSuffix(before, []byte("name: ")) || bytes.HasSuffix(before, []byte("Name: "))) &&
			(end == len(file) || bytes.IndexByte([]byte("\n\"'"), file[end]) >= 0) {
			return true
		}
		i = end
	}
}

// buildID names the berth build rendering: its version and commit (a
// newer berth may render the same sources differently).
func buildID() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	id := bi.Main.Path + "@" + bi.Main.Version
	for _, s := range bi.Settings {
		if strings.HasPrefix(s.Key, "vcs.") {
			id += " " + s.Key + "=" + s.Value
		}
	}
	return id
}

// markSources sets meta.AnnotationSourcePrint on the workloads and Jobs
// of objs whose service has a print.
func markSources(objs []*unstructured.Unstructured, prints map[string]string) {
	for _, o := range objs {
		p := prints[o.GetLabels()[meta.LabelService]]
		if p == "" || PodSpecPath(o.GetKind()) == nil {
			continue
		}
		ann := o.GetAnnotations()
		if ann == nil {
			ann = map[string]string{}
		}
		ann[meta.AnnotationSourcePrint] = p
		o.SetAnnotations(ann)
	}
}
