package secrets

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/aes"
	"github.com/getsops/sops/v3/shamir"
	"github.com/getsops/sops/v3/version"
)

// Encrypt encrypts plain, a file of format f (name is its path, recorded
// by sops and used in errors), for the keys of r and returns the file as
// `sops -e` writes it. Errors never quote the plaintext.
func Encrypt(ctx context.Context, name string, plain []byte, f Format, r *Rule) ([]byte, error) {
	if r == nil || len(r.KeyGroups) == 0 {
		return nil, fmt.Errorf("encrypt %s: no recipients", name)
	}
	store := f.store()
	branches, err := loadPlain(f, plain)
	if err != nil {
		return nil, fmt.Errorf("encrypt %s: %w", name, err)
	}
	if store.HasSopsTopLevelKey(branches[0]) {
		return nil, fmt.Errorf("encrypt %s: already encrypted (it has sops metadata); use berth secrets edit", name)
	}
	abs, err := filepath.Abs(name)
	if err != nil {
		return nil, fmt.Errorf("encrypt %s: %w", name, err)
	}
	tree := &sops.Tree{Branches: branches, FilePath: abs, Metadata: r.metadata()}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("encrypt %s: data key: %w", name, err)
	}
	if err := encryptDataKey(ctx, &tree.Metadata, key); err != nil {
		return nil, fmt.Errorf("encrypt %s: %w", name, err)
	}
	return sealTree(name, f, tree, key)
}

// metadata is the sops metadata of a new file encrypted for r.
func (r *Rule) metadata() sops.Metadata {
	c := r.Config
	// The keys record their encrypted data key: new group slices keep
	// the rule's groups as they are.
	groups := make([]sops.KeyGroup, len(c.KeyGroups))
	for i, g := range c.KeyGroups {
		groups[i] = append(sops.KeyGroup(nil), g...)
	}
	return sops.Metadata{
		KeyGroups:               groups,
		ShamirThreshold:         c.ShamirThreshold,
		UnencryptedSuffix:       c.UnencryptedSuffix,
		EncryptedSuffix:         c.EncryptedSuffix,
		UnencryptedRegex:        c.UnencryptedRegex,
		EncryptedRegex:          c.EncryptedRegex,
		UnencryptedCommentRegex: c.UnencryptedCommentRegex,
		EncryptedCommentRegex:   c.EncryptedCommentRegex,
		MACOnlyEncrypted:        c.MACOnlyEncrypted,
		Version:                 version.Version,
	}
}

// encryptDataKey encrypts key with every master key of m, each group
// getting a Shamir part when there are several groups.
func encryptDataKey(ctx context.Context, m *sops.Metadata, key []byte) error {
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
		for _, k := range g {
			if err := encryptKey(ctx, k, parts[i]); err != nil {
				return fmt.Errorf("encrypt the data key for %s %s: %w", k.TypeToIdentifier(), k.ToString(), err)
			}
		}
	}
	return nil
}

// sealTree encrypts tree's values with key, sets its MAC and emits it.
func sealTree(name string, f Format, tree *sops.Tree, key []byte) ([]byte, error) {
	cipher := aes.NewCipher()
	mac, err := tree.Encrypt(key, cipher)
	if err != nil {
		return nil, fmt.Errorf("encrypt %s: %w", name, err)
	}
	tree.Metadata.LastModified = time.Now().UTC()
	tree.Metadata.MessageAuthenticationCode, err = cipher.Encrypt(mac, key, tree.Metadata.LastModified.Format(time.RFC3339))
	if err != nil {
		return nil, fmt.Errorf("encrypt %s: MAC: %w", name, err)
	}
	out, err := f.store().EmitEncryptedFile(*tree)
	if err != nil {
		return nil, fmt.Errorf("encrypt %s: write %s: %w", name, f, err)
	}
	return out, nil
}

// loadPlain parses plaintext of format f. Parser errors can quote the
// input, so only their line number is kept.
func loadPlain(f Format, plain []byte) (branches sops.TreeBranches, err error) {
	defer func() {
		if r := recover(); r != nil {
			branches, err = nil, fmt.Errorf("not valid %s", f)
		}
	}()
	branches, err = f.store().LoadPlainFile(plain)
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
