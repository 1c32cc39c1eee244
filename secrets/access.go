package secrets

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/berth-dev/berth/secrets/sopsfile"
)

// KeyAccess is one master key of a file and whether the current identity
// decrypted the file's data key (its group's part of it) with it.
type KeyAccess struct {
	Group int    // the key group, from 1
	Type  string // age, kms, pgp, ...
	ID    string // as sops names it; Recipients lists "Type:ID"
	// Err is why the key did not decrypt (a *KMSError for a KMS key,
	// ErrUnsupportedKey for a type berth does not use); nil when it did.
	Err error
}

// Recipient is the key as Recipients names it: "type:ID".
func (k KeyAccess) Recipient() string { return k.Type + ":" + k.ID }

// ErrUnsupportedKey is the Err of a key of a type berth does not use
// (pgp, gcp_kms, azure_kv, hc_vault, ...): not tried.
var ErrUnsupportedKey = errors.New("key type not supported by berth (use the sops CLI)")

// FileAccess says who can open a sops file: its keys by group, and
// whether the current identity can.
type FileAccess struct {
	File   string
	Format Format
	Groups int // number of key groups
	// Needed is how many key groups recover the data key: all of them,
	// or the file's Shamir threshold.
	Needed int
	Keys   []KeyAccess
	// Opened is how many key groups the current identity decrypted its
	// part of the data key for.
	Opened int
}

// CanOpen reports whether the current identity recovers the data key.
func (a *FileAccess) CanOpen() bool { return a.Opened >= a.Needed }

// Access tries every key of the sops file data (format f; name is its
// path) on the file's data key and reports which ones the current
// identity can use. Only the data key is decrypted, never a value; it is
// dropped at once.
func Access(ctx context.Context, name string, data []byte, f Format) (*FileAccess, error) {
	tree, err := load(f, data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	m := tree.Metadata
	a := &FileAccess{File: name, Format: f, Groups: len(m.KeyGroups), Needed: len(m.KeyGroups)}
	if len(m.KeyGroups) > 1 && m.ShamirThreshold > 0 {
		a.Needed = m.ShamirThreshold
	}
	for i, g := range m.KeyGroups {
		opened := false
		for _, k := range g {
			ka := KeyAccess{Group: i + 1, Type: k.Type, ID: k.ID()}
			ka.Err = tryKey(ctx, k)
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			opened = opened || ka.Err == nil
			a.Keys = append(a.Keys, ka)
		}
		if opened {
			a.Opened++
		}
	}
	return a, nil
}

// tryKey decrypts the data key (part) k holds and drops it: nil when k
// opens it for the current identity.
func tryKey(ctx context.Context, k sopsfile.Key) error {
	src := sourceFor(k.Type)
	if src == nil {
		return ErrUnsupportedKey
	}
	part, err := src.decrypt(ctx, k)
	clear(part)
	return err
}

// Recipients lists the file's keys as "type:ID", each once, in group
// order.
func (a *FileAccess) Recipients() []string {
	var out []string
	for _, k := range a.Keys {
		if r := k.Recipient(); !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}
