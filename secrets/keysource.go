package secrets

import (
	"context"
	"slices"
	"strings"

	"github.com/berth-dev/berth/secrets/sopsfile"
)

// The key types berth encrypts and decrypts data keys with, as sops
// metadata names them. Keys of other types (pgp, gcp_kms, azure_kv,
// hc_vault, hckms) stay in a file berth re-encrypts, unused.
const (
	ageKeyType = "age"
	kmsKeyType = "kms"
)

// keySource encrypts and decrypts a file's data key (or its Shamir part)
// with the master keys of one type.
type keySource interface {
	// encrypt encrypts dataKey for k and records the result in k's enc
	// field (and whatever else the type records, as sops does).
	encrypt(ctx context.Context, k *sopsfile.Key, dataKey []byte) error
	// decrypt recovers the data key k's enc field holds, with the
	// caller's identities or credentials.
	decrypt(ctx context.Context, k sopsfile.Key) ([]byte, error)
}

// sourceFor returns the key source of a key type; nil for a type berth
// does not support.
func sourceFor(keyType string) keySource {
	switch keyType {
	case ageKeyType:
		return ageSource{}
	case kmsKeyType:
		return kmsSource{}
	}
	return nil
}

// keyTypes lists the distinct key types of groups, in order.
func keyTypes(groups []sopsfile.KeyGroup) []string {
	var types []string
	for _, g := range groups {
		for _, k := range g {
			if !slices.Contains(types, k.Type) {
				types = append(types, k.Type)
			}
		}
	}
	return types
}

// unsupportedKeysError says a file or rule has no key berth can use.
type unsupportedKeysError struct {
	types []string // the key types present
}

func (e *unsupportedKeysError) Error() string {
	return "its keys are of type " + strings.Join(e.types, ", ") + ", which berth does not support: berth encrypts and decrypts with age and AWS KMS (kms) keys only; use the sops CLI for this file, or add an age or kms key to it with `sops updatekeys`"
}
