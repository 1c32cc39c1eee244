package envs

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"path"
	"sort"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/api/types"

	"github.com/berth-dev/berth/meta"
	"github.com/berth-dev/berth/secrets"
)

// DecryptSecrets returns files with the sops-encrypted sources of marked
// secretGenerators (meta.AnnotationSOPS, as `berth convert` writes
// them) replaced by their plaintext, for the kustomizations baseDir builds
// on. files itself is not changed; the plaintext exists only in the
// returned map. A file that cannot be decrypted fails the whole call,
// naming it and its recipients (every such file, each on its own lines),
// so nothing is applied.
func DecryptSecrets(ctx context.Context, files map[string][]byte, baseDir string) (map[string][]byte, error) {
	if baseDir == "" {
		baseDir = DefaultBaseDir(files)
	}
	var out map[string][]byte
	var failed []error // files the identity cannot decrypt
	err := walkKustomizations(files, path.Clean(baseDir), map[string]bool{}, func(dir string, k *types.Kustomization) error {
		for _, g := range k.SecretGenerator {
			format, source := sopsMarker(k, g)
			if format == "" {
				continue
			}
			f, err := secrets.ParseFormat(format, "")
			if err != nil {
				return fmt.Errorf("secretGenerator %s in %s: %s: %w", g.Name, dir, meta.AnnotationSOPS, err)
			}
			for _, src := range append(append([]string{}, g.FileSources...), g.EnvSources...) {
				rel := src
				if _, p, ok := strings.Cut(src, "="); ok {
					rel = p
				}
				p, err := treePath(path.Join(dir, rel))
				if err != nil {
					return fmt.Errorf("secretGenerator %s in %s: %w", g.Name, dir, err)
				}
				data, ok := files[p]
				if !ok {
					return fmt.Errorf("secretGenerator %s in %s: %s is not in the tree", g.Name, dir, p)
				}
				name := p
				if source != "" {
					name += " (from " + source + ")"
				}
				plain, err := secrets.Decrypt(ctx, name, data, f)
				var de *secrets.DecryptError
				if errors.As(err, &de) && ctx.Err() == nil {
					failed = append(failed, fmt.Errorf("secret %s: %w", g.Name, err))
					continue
				}
				if err != nil {
					return fmt.Errorf("secret %s: %w", g.Name, err)
				}
				if out == nil {
					out = maps.Clone(files)
				}
				out[p] = plain
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(failed) > 0 {
		return nil, errors.Join(failed...)
	}
	if out == nil {
		return files, nil
	}
	return out, nil
}

// sopsMarker returns the sops format and source annotations of a
// secretGenerator, or of its kustomization's generatorOptions.
func sopsMarker(k *types.Kustomization, g types.SecretArgs) (format, source string) {
	for _, o := range []*types.GeneratorOptions{g.Options, k.GeneratorOptions} {
		if o != nil && o.Annotations[meta.AnnotationSOPS] != "" {
			return o.Annotations[meta.AnnotationSOPS], o.Annotations[meta.AnnotationSOPSSource]
		}
	}
	return "", ""
}

// walkKustomizations calls fn for the kustomization in dir and those of
// the directories it builds on (resources and components) in the tree.
func walkKustomizations(files map[string][]byte, dir string, seen map[string]bool, fn func(dir string, k *types.Kustomization) error) error {
	if seen[dir] {
		return nil
	}
	seen[dir] = true
	file := kustomizationFile(files, dir)
	if file == "" {
		return nil // a file resource or a directory outside the tree
	}
	var k types.Kustomization
	if err := k.Unmarshal(files[file]); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	k.FixKustomization()
	if err := fn(dir, &k); err != nil {
		return err
	}
	for _, r := range append(append([]string{}, k.Resources...), k.Components...) {
		if strings.Contains(r, "://") || path.IsAbs(r) {
			continue
		}
		if err := walkKustomizations(files, path.Join(dir, r), seen, fn); err != nil {
			return err
		}
	}
	return nil
}

// PlainSecrets lists, as Kind/name, the Secrets among objs that hold
// values and were not decrypted from sops files: their values are
// plaintext in the app's tree.
func PlainSecrets(objs []*unstructured.Unstructured) []string {
	var out []string
	for _, o := range objs {
		if o.GetKind() != "Secret" || o.GetAnnotations()[meta.AnnotationSOPS] != "" {
			continue
		}
		if hasValue(o.Object["data"]) || hasValue(o.Object["stringData"]) {
			out = append(out, "Secret/"+o.GetName())
		}
	}
	return out
}

func hasValue(m any) bool {
	values, _ := m.(map[string]any)
	for _, v := range values {
		if s, _ := v.(string); s != "" {
			return true
		}
	}
	return false
}

// Redacted replaces decrypted values where objects are shown, not applied.
const Redacted = "<decrypted at berth up>"

// RedactDecrypted replaces the values of the Secrets decrypted from sops
// files (meta.AnnotationSOPS) with Redacted, for printing objects.
func RedactDecrypted(objs []*unstructured.Unstructured) {
	for _, o := range objs {
		if o.GetKind() != "Secret" || o.GetAnnotations()[meta.AnnotationSOPS] == "" {
			continue
		}
		for field, v := range map[string]string{"data": base64.StdEncoding.EncodeToString([]byte(Redacted)), "stringData": Redacted} {
			values, _ := o.Object[field].(map[string]any)
			for k := range values {
				values[k] = v
			}
		}
	}
}

// ScrubDecrypted returns err with any text of the files DecryptSecrets
// decrypted (those differing between files and decrypted) replaced, for
// errors from building the tree (kustomize may quote a bad env line).
func ScrubDecrypted(err error, files, decrypted map[string][]byte) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	for p, plain := range decrypted {
		if string(files[p]) == string(plain) {
			continue
		}
		for _, frag := range fragments(plain) {
			msg = strings.ReplaceAll(msg, frag, "<redacted>")
		}
	}
	if msg == err.Error() {
		return err
	}
	return errors.New(msg)
}

// fragments are the pieces of plaintext an error could quote: whole lines
// and the values after "=" or ":", each also as %q and %v of its bytes
// print them; longest first, at least 3 bytes.
func fragments(plain []byte) []string {
	var out []string
	add := func(s string) {
		if s = strings.TrimSpace(s); len(s) >= 3 {
			q := strconv.Quote(s)
			out = append(out, s, q[1:len(q)-1], strings.Trim(fmt.Sprint([]byte(s)), "[]"))
		}
	}
	for _, line := range strings.Split(string(plain), "\n") {
		add(line)
		if i := strings.IndexAny(line, "=:"); i >= 0 {
			add(strings.Trim(strings.TrimSpace(line[i+1:]), `"'`))
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}
