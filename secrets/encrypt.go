package secrets

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/getsops/sops/v3/shamir"

	"github.com/berth-dev/berth/secrets/sopsfile"
)

// Encrypt encrypts plain, a file of format f (name is its path, used in
// errors), for the keys of r and returns the file as `sops -e` writes it.
// Errors never quote the plaintext.
func Encrypt(ctx context.Context, name string, plain []byte, f Format, r *Rule) ([]byte, error) {
	if r == nil || len(r.KeyGroups) == 0 {
		return nil, fmt.Errorf("encrypt %s: no recipients", name)
	}
	branches, err := loadPlain(f, plain)
	if err != nil {
		return nil, fmt.Errorf("encrypt %s: %w", name, err)
	}
	if f.store().HasMetadata(branches[0]) {
		return nil, fmt.Errorf("encrypt %s: already encrypted (it has sops metadata); use berth secrets edit", name)
	}
	m, err := r.metadata(f)
	if err != nil {
		return nil, fmt.Errorf("encrypt %s: %w", name, err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("encrypt %s: data key: %w", name, err)
	}
	if err := encryptDataKey(ctx, &m, key); err != nil {
		return nil, fmt.Errorf("encrypt %s: %w", name, err)
	}
	tree := &sopsfile.Tree{Branches: branches, Metadata: m}
	return seal(name, f, tree, key, sopsfile.NewCipher())
}

// metadata is the sops metadata of a new file of format f encrypted for
// r, its keys not yet holding the data key.
func (r *Rule) metadata(f Format) (sopsfile.Metadata, error) {
	rules := r.Rules
	if err := rules.Normalize(); err != nil {
		return sopsfile.Metadata{}, fmt.Errorf("%s: %w", r.Source, err)
	}
	if f == Binary && r.UnencryptedSuffix == "" {
		rules.UnencryptedSuffix = "" // sops sets no default rule for binary files
	}
	groups := make([]sopsfile.KeyGroup, len(r.KeyGroups))
	for i, g := range r.KeyGroups {
		for _, k := range g {
			groups[i] = append(groups[i], sopsfile.Key{Type: k.Type, Fields: append(sopsfile.Branch(nil), k.Fields...)})
		}
	}
	return sopsfile.Metadata{
		Rules:           rules,
		KeyGroups:       groups,
		ShamirThreshold: r.ShamirThreshold,
		Version:         sopsfile.Version,
	}, nil
}

// encryptDataKey encrypts key with every master key of m, each group
// getting a Shamir part when there are several groups.
func encryptDataKey(ctx context.Context, m *sopsfile.Metadata, key []byte) error {
	if types := unsupportedTypes(m.KeyGroups); len(types) > 0 {
		return &unsupportedKeysError{types: types}
	}
	parts := [][]byte{key}
	if len(m.KeyGroups) > 1 {
		if m.ShamirThreshold <= 0 {
			m.ShamirThreshold = len(m.KeyGroups)
		}
		var err error
		if parts, err = shamir.Split(key, len(m.KeyGroups), m.ShamirThreshold); err != nil {
			return fmt.Errorf("split data key: %w", err)
		}
	}
	for i, g := range m.KeyGroups {
		if len(g) == 0 {
			return fmt.Errorf("key group %d is empty", i+1)
		}
		for j := range g {
			k := &g[j]
			if err := sourceFor(k.Type).encrypt(ctx, k, parts[i]); err != nil {
				return fmt.Errorf("encrypt the data key for %s %s: %w", k.Type, k.ID(), err)
			}
		}
	}
	return nil
}

// unsupportedTypes lists the key types of groups berth cannot encrypt
// for.
func unsupportedTypes(groups []sopsfile.KeyGroup) []string {
	var out []string
	for _, t := range keyTypes(groups) {
		if sourceFor(t) == nil {
			out = append(out, t)
		}
	}
	return out
}

// seal encrypts tree's values with key, sets its MAC and emits it.
func seal(name string, f Format, tree *sopsfile.Tree, key []byte, c *sopsfile.Cipher) ([]byte, error) {
	if err := tree.Seal(key, c, time.Now()); err != nil {
		return nil, fmt.Errorf("encrypt %s: %w", name, err)
	}
	out, err := f.store().EmitEncrypted(tree)
	if err != nil {
		return nil, fmt.Errorf("encrypt %s: write %s: %w", name, f, err)
	}
	return out, nil
}

// loadPlain parses plaintext of format f. Parser errors can quote the
// input, so only their line number is kept.
func loadPlain(f Format, plain []byte) (branches []sopsfile.Branch, err error) {
	defer func() {
		if r := recover(); r != nil {
			branches, err = nil, fmt.Errorf("not valid %s", f)
		}
	}()
	branches, err = f.store().LoadPlain(plain)
	if err != nil {
		msg := fmt.Sprintf("not valid %s", f)
		if l := lineOf(err.Error()); l != "" {
			msg += " (line " + l + ")"
		}
		return nil, errors.New(msg)
	}
	if len(branches) == 0 {
		return nil, errors.New("empty file: nothing to encrypt")
	}
	return branches, nil
}

// lineOf returns the number after "line " in a parser's error, or "".
func lineOf(msg string) string {
	_, rest, ok := strings.Cut(msg, "line ")
	if !ok {
		return ""
	}
	end := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
	if end < 0 {
		end = len(rest)
	}
	return rest[:end]
}
