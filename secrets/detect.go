package secrets

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/berth-dev/berth/secrets/sopsfile"
)

// Detect reports whether data is a sops-encrypted file (it carries valid
// sops metadata) and its format, trying the format sops infers from path
// first. A JSON document holding only "data" and "sops" is Binary unless
// path says JSON: sops writes binary files that way.
func Detect(path string, data []byte) (Format, bool) {
	first := FormatForPath(path)
	for _, f := range append([]Format{first}, allFormats()...) {
		tree, err := load(f, data)
		if err != nil {
			continue
		}
		// A binary file is a JSON document holding only "data" (and
		// "sops"): whatever its name says, unless it says JSON.
		if first != JSON && isBinaryTree(tree) && bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) {
			return Binary, true
		}
		if f == Binary {
			return JSON, true // the binary store reads any JSON document
		}
		return f, true
	}
	return "", false
}

// Recipients returns the keys a sops file of format f is encrypted for, as
// "type:key" (age:age1…, kms:arn:aws:kms:…, pgp:FINGERPRINT), in key group
// order.
func Recipients(f Format, data []byte) ([]string, error) {
	tree, err := load(f, data)
	if err != nil {
		return nil, err
	}
	return recipients(tree.Metadata.KeyGroups), nil
}

func recipients(groups []sopsfile.KeyGroup) []string {
	var out []string
	for _, g := range groups {
		for _, k := range g {
			out = append(out, k.Type+":"+k.ID())
		}
	}
	return out
}

// load parses an encrypted file of format f. It never panics on malformed
// input.
func load(f Format, data []byte) (tree *sopsfile.Tree, err error) {
	defer func() {
		if r := recover(); r != nil {
			tree, err = nil, fmt.Errorf("malformed %s file", f)
		}
	}()
	t, err := f.store().LoadEncrypted(data)
	if err != nil {
		if errors.Is(err, sopsfile.ErrNoMetadata) {
			return nil, fmt.Errorf("not a sops-encrypted %s file (no sops metadata)", f)
		}
		return nil, fmt.Errorf("read sops %s file: %w", f, err)
	}
	if len(t.Metadata.KeyGroups) == 0 || t.Metadata.MAC == "" {
		return nil, fmt.Errorf("not a sops-encrypted %s file (no keys or MAC)", f)
	}
	return t, nil
}

// isBinaryTree reports a tree holding only a "data" value, as sops's binary
// store writes.
func isBinaryTree(t *sopsfile.Tree) bool {
	if len(t.Branches) != 1 || len(t.Branches[0]) != 1 {
		return false
	}
	item := t.Branches[0][0]
	_, isString := item.Value.(string)
	return item.Key == "data" && isString
}
