// Package sopscompat drives the sops library itself for the tests that
// hold berth's SOPS layer to it: files sops writes, read by berth, and the
// other way round. Only tests import it; berth's binary does not link sops.
package sopscompat

import (
	"errors"
	"fmt"
	"time"

	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/aes"
	"github.com/getsops/sops/v3/azkv"
	"github.com/getsops/sops/v3/cmd/sops/common"
	"github.com/getsops/sops/v3/cmd/sops/formats"
	"github.com/getsops/sops/v3/config"
	"github.com/getsops/sops/v3/gcpkms"
	"github.com/getsops/sops/v3/hcvault"
	"github.com/getsops/sops/v3/keys"
	"github.com/getsops/sops/v3/pgp"
)

// Store is sops's store of a format ("yaml", "json", "dotenv", "ini",
// "binary").
func Store(format string) sops.Store {
	return common.StoreForFormat(formats.FormatFromString(format), config.NewStoresConfig())
}

// StandIns are master keys of the types berth does not use, with stand-in
// encrypted data keys: files carry them, nothing decrypts with them.
type StandIns struct {
	PGP, GCP, Azure, Vault keys.MasterKey
}

// NewStandIns returns one key of each type berth does not use.
func NewStandIns() StandIns {
	p := pgp.NewMasterKeyFromFingerprint("FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4")
	p.EncryptedKey = "-----BEGIN PGP MESSAGE-----\nstand-in\n-----END PGP MESSAGE-----\n"
	g := gcpkms.NewMasterKeyFromResourceID("projects/p/locations/global/keyRings/r/cryptoKeys/k")
	g.EncryptedKey = "CiQAgcp"
	a := azkv.NewMasterKey("https://v.vault.azure.net", "k", "0123")
	a.EncryptedKey = "azkv-enc"
	v := hcvault.NewMasterKey("https://vault.example:8200", "transit", "k")
	v.EncryptedKey = "vault:v1:enc"
	return StandIns{PGP: p, GCP: g, Azure: a, Vault: v}
}

// Group is the stand-ins as one key group.
func (s StandIns) Group() sops.KeyGroup { return sops.KeyGroup{s.PGP, s.GCP, s.Azure, s.Vault} }

// Encrypt encrypts plain with data key key as the sops CLI does — values,
// then the MAC, then the file — under md's key groups (their encrypted
// data keys already set) and encryption rules.
func Encrypt(format, plain string, md sops.Metadata, key []byte) ([]byte, error) {
	store := Store(format)
	branches, err := store.LoadPlainFile([]byte(plain))
	if err != nil {
		return nil, fmt.Errorf("sops loads the plaintext: %w", err)
	}
	tree := sops.Tree{Branches: branches, Metadata: md}
	c := aes.NewCipher()
	mac, err := tree.Encrypt(key, c)
	if err != nil {
		return nil, fmt.Errorf("sops encrypts: %w", err)
	}
	tree.Metadata.LastModified = time.Now().UTC()
	if tree.Metadata.MessageAuthenticationCode, err = c.Encrypt(mac, key, tree.Metadata.LastModified.Format(time.RFC3339)); err != nil {
		return nil, fmt.Errorf("sops encrypts the MAC: %w", err)
	}
	out, err := store.EmitEncryptedFile(tree)
	if err != nil {
		return nil, fmt.Errorf("sops writes: %w", err)
	}
	return out, nil
}

// Decrypt decrypts an encrypted file with data key key, verifying the MAC
// as `sops -d` does, and returns the plaintext sops writes.
func Decrypt(format string, data, key []byte) ([]byte, error) {
	store := Store(format)
	tree, err := store.LoadEncryptedFile(data)
	if err != nil {
		return nil, err
	}
	c := aes.NewCipher()
	mac, err := tree.Decrypt(key, c)
	if err != nil {
		return nil, err
	}
	want, err := c.Decrypt(tree.Metadata.MessageAuthenticationCode, key, tree.Metadata.LastModified.Format(time.RFC3339))
	if err != nil {
		return nil, err
	}
	if want != mac {
		return nil, errors.New("sops: MAC mismatch")
	}
	return store.EmitPlainFile(tree.Branches)
}
