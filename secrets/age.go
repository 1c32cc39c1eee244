package secrets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"filippo.io/age/armor"
	"filippo.io/age/plugin"

	"github.com/berth-dev/berth/secrets/sopsfile"
)

// Where age identities are found, as sops finds them.
const (
	ageKeyEnv        = "SOPS_AGE_KEY"      // identities, several per line allowed
	ageKeyFileEnv    = "SOPS_AGE_KEY_FILE" // a file of identities
	ageKeyCmdEnv     = "SOPS_AGE_KEY_CMD"  // a command printing identities
	ageSSHKeyFileEnv = "SOPS_AGE_SSH_PRIVATE_KEY_FILE"
	ageSSHKeyCmdEnv  = "SOPS_AGE_SSH_PRIVATE_KEY_CMD"
	// ageRecipientEnv tells the commands which recipient is wanted.
	ageRecipientEnv = "SOPS_AGE_RECIPIENT"
	// ageKeysUserPath is the identities file under the user config
	// directory.
	ageKeysUserPath = "sops/age/keys.txt"
)

// ageSource encrypts data keys for age recipients (X25519, post-quantum
// hybrid, SSH and plugin recipients) and decrypts them with the
// identities sops would use.
type ageSource struct{}

func (ageSource) encrypt(_ context.Context, k *sopsfile.Key, dataKey []byte) error {
	r, err := parseAgeRecipient(k.Field("recipient"))
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	aw := armor.NewWriter(&buf)
	w, err := age.Encrypt(aw, r)
	if err != nil {
		return err
	}
	if _, err := w.Write(dataKey); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	if err := aw.Close(); err != nil {
		return err
	}
	k.Set("enc", buf.String())
	return nil
}

func (ageSource) decrypt(ctx context.Context, k sopsfile.Key) ([]byte, error) {
	ids, unused, errs := ageIdentities(ctx, k.Field("recipient"))
	if len(ids) == 0 {
		return nil, ageIdentityError("no age identity found", nil, errs, unused)
	}
	r, err := age.Decrypt(armor.NewReader(strings.NewReader(k.Field("enc"))), ids...)
	if err != nil {
		return nil, ageIdentityError("no age identity matches", err, errs, nil)
	}
	return io.ReadAll(r)
}

// ageIdentityError explains a failed decryption: what failed, the
// identities that could not be loaded, the places that had none.
func ageIdentityError(msg string, err error, errs []error, unused []string) error {
	if err != nil {
		var nomatch *age.NoIdentityMatchError
		if !errors.As(err, &nomatch) {
			msg += ": " + err.Error()
		}
	}
	if len(errs) > 0 {
		msg += " (while loading identities: " + errors.Join(errs...).Error() + ")"
	}
	if len(unused) > 0 {
		msg += " (nothing in " + strings.Join(unused, ", ") + ")"
	}
	return errors.New(strings.ReplaceAll(msg, "\n", "; "))
}

// parseAgeRecipient parses an age recipient as sops accepts them.
func parseAgeRecipient(s string) (age.Recipient, error) {
	switch {
	case strings.HasPrefix(s, "age1pq1"):
		return age.ParseHybridRecipient(s)
	case strings.HasPrefix(s, "age1") && strings.Count(s, "1") > 1:
		return plugin.NewRecipient(s, ageUI())
	case strings.HasPrefix(s, "age1"):
		return age.ParseX25519Recipient(s)
	case strings.HasPrefix(s, "ssh-"):
		return agessh.ParseRecipient(s)
	}
	return nil, fmt.Errorf("unknown age recipient type %q", s)
}

// ageUI is how plugins and encrypted identities talk to the user: on
// standard error and the terminal.
func ageUI() *plugin.ClientUI {
	say := func(format string, v ...any) { fmt.Fprintf(os.Stderr, "age: "+format+"\n", v...) }
	warn := func(format string, v ...any) { fmt.Fprintf(os.Stderr, "age: warning: "+format+"\n", v...) }
	return plugin.NewTerminalUI(say, warn)
}
