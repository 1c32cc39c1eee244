package secrets

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/getsops/sops/v3/shamir"

	"github.com/berth-dev/berth/secrets/sopsfile"
)

// DecryptError says a file could not be decrypted (no key, a wrong key, a
// damaged file, only keys of types berth does not support), naming the
// file and the keys it is encrypted for.
type DecryptError struct {
	File       string
	Recipients []string // "type:key", as Recipients returns them
	Err        error
}

// Error names the file and its keys, then why each key tried failed: on
// the same line when one did, else one line each, indented.
func (e *DecryptError) Error() string {
	head := fmt.Sprintf("cannot decrypt %s, encrypted for %s", e.File, strings.Join(e.Recipients, ", "))
	lines := strings.Split(e.Err.Error(), "\n")
	if slices.ContainsFunc(e.Recipients, func(r string) bool { return strings.HasPrefix(r, ageKeyType+":") }) {
		lines[len(lines)-1] += fmt.Sprintf(" (age identities are read from $%s, $%s or %s)", ageKeyEnv, ageKeyFileEnv, defaultAgeKeysPath())
	}
	if len(lines) == 1 {
		return head + ": " + lines[0]
	}
	return head + ":\n  " + strings.Join(lines, "\n  ")
}

func (e *DecryptError) Unwrap() error { return e.Err }

// Decrypt decrypts the sops file data of format f (name is the file's
// path, for errors) and returns its plaintext as `sops -d` prints it. The
// file's MAC is verified. A missing or wrong key is a *DecryptError.
func Decrypt(ctx context.Context, name string, data []byte, f Format) ([]byte, error) {
	tree, key, err := open(ctx, name, data, f)
	if err != nil {
		return nil, err
	}
	if err := tree.Open(key, sopsfile.NewCipher()); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	plain, err := f.store().EmitPlain(tree.Branches)
	if err != nil {
		return nil, fmt.Errorf("%s: write %s plaintext: %w", name, f, err)
	}
	return plain, nil
}

// open loads the encrypted tree of data and recovers its data key.
func open(ctx context.Context, name string, data []byte, f Format) (*sopsfile.Tree, []byte, error) {
	tree, err := load(f, data)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	key, err := dataKey(ctx, tree.Metadata)
	if err != nil {
		return nil, nil, &DecryptError{File: name, Recipients: recipients(tree.Metadata.KeyGroups), Err: err}
	}
	return tree, key, nil
}

// dataKey recovers the file's data key: from one key of each key group,
// age keys first, combining Shamir parts when there are several groups.
func dataKey(ctx context.Context, m sopsfile.Metadata) ([]byte, error) {
	if len(m.KeyGroups) == 0 {
		return nil, errors.New("the file has no key groups")
	}
	usable := false
	for _, g := range m.KeyGroups {
		usable = usable || slices.ContainsFunc(g, func(k sopsfile.Key) bool { return sourceFor(k.Type) != nil })
	}
	if !usable {
		return nil, &unsupportedKeysError{types: keyTypes(m.KeyGroups)}
	}
	var parts [][]byte
	var errs []error
	for i, g := range m.KeyGroups {
		// A file of one key: its error needs no name of the key.
		part, err := decryptGroup(ctx, g, len(m.KeyGroups) > 1 || len(g) > 1)
		if err != nil {
			if len(m.KeyGroups) > 1 {
				err = fmt.Errorf("key group %d: %w", i+1, err)
			}
			errs = append(errs, err)
			continue
		}
		parts = append(parts, part)
	}
	if len(m.KeyGroups) == 1 {
		if len(parts) == 1 {
			return parts[0], nil
		}
		return nil, errors.Join(errs...)
	}
	need := m.ShamirThreshold
	if need <= 0 {
		need = len(m.KeyGroups)
	}
	if len(parts) < need {
		return nil, fmt.Errorf("%d of %d key groups needed, %d decrypted:\n%w", need, len(m.KeyGroups), len(parts), errors.Join(errs...))
	}
	key, err := shamir.Combine(parts)
	if err != nil {
		return nil, fmt.Errorf("combine key groups: %w", err)
	}
	return key, nil
}

// decryptGroup decrypts the data key (part) with the first key of g that
// works, trying age keys first; keys of unsupported types are skipped.
// With name, each key's error names the key.
func decryptGroup(ctx context.Context, g sopsfile.KeyGroup, name bool) ([]byte, error) {
	ordered := slices.Clone(g)
	slices.SortStableFunc(ordered, func(a, b sopsfile.Key) int {
		return boolRank(a.Type != ageKeyType) - boolRank(b.Type != ageKeyType)
	})
	var errs []error
	var skipped []string
	for _, k := range ordered {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		src := sourceFor(k.Type)
		if src == nil {
			if !slices.Contains(skipped, k.Type) {
				skipped = append(skipped, k.Type)
			}
			continue
		}
		part, err := src.decrypt(ctx, k)
		if err == nil {
			return part, nil
		}
		if name {
			err = fmt.Errorf("%s key %s: %w", k.Type, k.ID(), err)
		}
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		return nil, &unsupportedKeysError{types: skipped}
	}
	return nil, errors.Join(errs...)
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}
