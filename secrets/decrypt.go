package secrets

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/aes"
	sopsage "github.com/getsops/sops/v3/age"
	"github.com/getsops/sops/v3/keys"
	"github.com/getsops/sops/v3/shamir"
)

// DecryptError says a file could not be decrypted (no key, a wrong key, a
// damaged file), naming the file and the keys it is encrypted for.
type DecryptError struct {
	File       string
	Recipients []string // "type:key", as Recipients returns them
	Err        error
}

func (e *DecryptError) Error() string {
	return fmt.Sprintf("cannot decrypt %s, encrypted for %s: %v (age identities are read from $%s, $%s or %s)",
		e.File, strings.Join(e.Recipients, ", "), e.Err, sopsage.SopsAgeKeyEnv, sopsage.SopsAgeKeyFileEnv, defaultAgeKeysPath())
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
	if _, err := decryptTree(tree, key); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	plain, err := f.store().EmitPlainFile(tree.Branches)
	if err != nil {
		return nil, fmt.Errorf("%s: emit %s plaintext: %w", name, f, err)
	}
	return plain, nil
}

// open loads the encrypted tree of data and recovers its data key.
func open(ctx context.Context, name string, data []byte, f Format) (*sops.Tree, []byte, error) {
	tree, err := load(f, data)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	key, err := dataKey(ctx, tree.Metadata)
	if err != nil {
		return nil, nil, &DecryptError{File: name, Recipients: recipients(tree.Metadata), Err: err}
	}
	return tree, key, nil
}

// decryptTree decrypts tree in place with key and verifies its MAC; it
// returns the MAC.
func decryptTree(tree *sops.Tree, key []byte) (string, error) {
	cipher := aes.NewCipher()
	mac, err := tree.Decrypt(key, cipher)
	if err != nil {
		return "", fmt.Errorf("decrypt values: %w", err)
	}
	want, err := cipher.Decrypt(tree.Metadata.MessageAuthenticationCode, key, tree.Metadata.LastModified.Format(time.RFC3339))
	if err != nil {
		return "", fmt.Errorf("decrypt MAC: %w", err)
	}
	if want != mac {
		return "", errors.New("MAC mismatch: the file was modified without sops")
	}
	return mac, nil
}

// dataKey recovers the file's data key: from one key of each key group,
// age keys first, combining Shamir parts when there are several groups.
func dataKey(ctx context.Context, m sops.Metadata) ([]byte, error) {
	if len(m.KeyGroups) == 0 {
		return nil, errors.New("the file has no key groups")
	}
	var parts [][]byte
	var errs []error
	for i, g := range m.KeyGroups {
		part, err := decryptGroup(ctx, g)
		if err != nil {
			errs = append(errs, fmt.Errorf("key group %d: %w", i+1, err))
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
		return nil, fmt.Errorf("%d of %d key groups needed, %d decrypted: %w", need, len(m.KeyGroups), len(parts), errors.Join(errs...))
	}
	key, err := shamir.Combine(parts)
	if err != nil {
		return nil, fmt.Errorf("combine key groups: %w", err)
	}
	return key, nil
}

// decryptGroup decrypts the data key (part) with the first key of g that
// works, trying age keys first.
func decryptGroup(ctx context.Context, g sops.KeyGroup) ([]byte, error) {
	ordered := make([]keys.MasterKey, 0, len(g))
	for _, k := range g {
		if k.TypeToIdentifier() == sopsage.KeyTypeIdentifier {
			ordered = append(ordered, k)
		}
	}
	for _, k := range g {
		if k.TypeToIdentifier() != sopsage.KeyTypeIdentifier {
			ordered = append(ordered, k)
		}
	}
	var errs []error
	for _, k := range ordered {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		part, err := decryptKey(ctx, k)
		if err == nil {
			return part, nil
		}
		errs = append(errs, fmt.Errorf("%s key: %w", k.TypeToIdentifier(), err))
	}
	return nil, errors.Join(errs...)
}

// contextKey is a master key whose network calls take a context (AWS KMS).
type contextKey interface {
	DecryptContext(ctx context.Context) ([]byte, error)
	EncryptContext(ctx context.Context, dataKey []byte) error
}

func decryptKey(ctx context.Context, k keys.MasterKey) ([]byte, error) {
	if ck, ok := k.(contextKey); ok {
		return ck.DecryptContext(ctx)
	}
	return k.Decrypt()
}

func encryptKey(ctx context.Context, k keys.MasterKey, part []byte) error {
	if ck, ok := k.(contextKey); ok {
		return ck.EncryptContext(ctx, part)
	}
	return k.Encrypt(part)
}

// defaultAgeKeysPath is where sops looks for age identities by default.
func defaultAgeKeysPath() string {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		d, err := os.UserConfigDir()
		if err != nil {
			return filepath.Join("<user config dir>", filepath.FromSlash(sopsage.SopsAgeKeyUserConfigPath))
		}
		dir = d
	}
	return filepath.Join(dir, filepath.FromSlash(sopsage.SopsAgeKeyUserConfigPath))
}
