package secrets

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"filippo.io/age/armor"
	"filippo.io/age/plugin"
	"github.com/google/shlex"
	"golang.org/x/crypto/ssh"
)

// ageIdentities loads the identities sops would use for a key of
// recipient: SSH keys ($SOPS_AGE_SSH_PRIVATE_KEY_FILE and _CMD,
// ~/.ssh/id_ed25519 and id_rsa), then $SOPS_AGE_KEY, $SOPS_AGE_KEY_FILE,
// $SOPS_AGE_KEY_CMD and <user config dir>/sops/age/keys.txt. It returns
// the places that held nothing and the errors of those that failed.
func ageIdentities(ctx context.Context, recipient string) (ids []age.Identity, unused []string, errs []error) {
	ids, unused, errs = sshIdentities(ctx, recipient)
	add := func(where string, data []byte, several bool) {
		found, err := parseAgeIdentities(where, data, several)
		if err != nil {
			errs = append(errs, err)
			return
		}
		if len(found) == 0 {
			unused = append(unused, where)
		}
		ids = append(ids, found...)
	}
	if v, ok := os.LookupEnv(ageKeyEnv); ok {
		add("$"+ageKeyEnv, []byte(v), true)
	} else {
		unused = append(unused, "$"+ageKeyEnv)
	}
	if file, ok := os.LookupEnv(ageKeyFileEnv); ok {
		if data, err := os.ReadFile(file); err != nil {
			errs = append(errs, fmt.Errorf("$%s: %w", ageKeyFileEnv, err))
		} else {
			add(file, data, false)
		}
	} else {
		unused = append(unused, "$"+ageKeyFileEnv)
	}
	if cmd, ok := os.LookupEnv(ageKeyCmdEnv); ok {
		if out, err := runKeyCmd(ctx, cmd, recipient); err != nil {
			errs = append(errs, fmt.Errorf("$%s: %w", ageKeyCmdEnv, err))
		} else {
			add("$"+ageKeyCmdEnv, out, false)
		}
	} else {
		unused = append(unused, "$"+ageKeyCmdEnv)
	}
	def := defaultAgeKeysPath()
	switch data, err := os.ReadFile(def); {
	case err == nil:
		add(def, data, false)
	case !errors.Is(err, os.ErrNotExist):
		errs = append(errs, err)
	case len(ids) == 0:
		unused = append(unused, def)
	}
	return ids, unused, errs
}

// sshIdentities loads the SSH keys sops uses as age identities.
func sshIdentities(ctx context.Context, recipient string) (ids []age.Identity, unused []string, errs []error) {
	if file, ok := os.LookupEnv(ageSSHKeyFileEnv); ok {
		if id, err := sshIdentityFile(file); err != nil {
			errs = append(errs, err)
		} else {
			ids = append(ids, id)
		}
	} else {
		unused = append(unused, "$"+ageSSHKeyFileEnv)
	}
	if cmd, ok := os.LookupEnv(ageSSHKeyCmdEnv); ok {
		out, err := runKeyCmd(ctx, cmd, recipient)
		if err == nil {
			var id age.Identity
			if id, err = agessh.ParseIdentity(out); err == nil {
				ids = append(ids, id)
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("$%s: %w", ageSSHKeyCmdEnv, err))
		}
	} else {
		unused = append(unused, "$"+ageSSHKeyCmdEnv)
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return ids, unused, errs
	}
	for _, name := range []string{"id_ed25519", "id_rsa"} {
		file := filepath.Join(home, ".ssh", name)
		if _, err := os.Stat(file); err != nil {
			unused = append(unused, file)
			continue
		}
		if id, err := sshIdentityFile(file); err != nil {
			errs = append(errs, err)
		} else {
			ids = append(ids, id)
		}
	}
	return ids, unused, errs
}

// sshIdentityFile reads an SSH private key; a passphrase-protected one
// asks for its passphrase when it is needed.
func sshIdentityFile(file string) (age.Identity, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	id, err := agessh.ParseIdentity(pem)
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) {
		pub := missing.PublicKey
		if pub == nil {
			data, err := os.ReadFile(file + ".pub")
			if err != nil {
				return nil, fmt.Errorf("%s is passphrase-protected and its public key is missing: %w", file, err)
			}
			if pub, _, _, _, err = ssh.ParseAuthorizedKey(data); err != nil {
				return nil, fmt.Errorf("%s.pub: %w", file, err)
			}
		}
		return agessh.NewEncryptedSSHIdentity(pub, pem, func() ([]byte, error) {
			pass, err := ageUI().RequestValue("", fmt.Sprintf("Enter passphrase for %q:", file), true)
			return []byte(pass), err
		})
	}
	if err != nil {
		return nil, fmt.Errorf("SSH identity %s: %w", file, err)
	}
	return id, nil
}

// runKeyCmd runs a $SOPS_AGE_*_CMD command line (split as a shell would,
// without running a shell) and returns what it prints.
func runKeyCmd(ctx context.Context, line, recipient string) ([]byte, error) {
	argv, err := shlex.Split(line)
	if err != nil || len(argv) == 0 {
		return nil, fmt.Errorf("cannot parse the command %q", line)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), ageRecipientEnv+"="+recipient)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", argv[0], err)
	}
	return out, nil
}

// parseAgeIdentities parses identities, one per line (several, space
// separated, when several is set), skipping blank lines and comments. A
// passphrase-encrypted identity file asks for its passphrase when needed.
func parseAgeIdentities(where string, data []byte, several bool) ([]age.Identity, error) {
	if bytes.HasPrefix(data, []byte("age-encryption")) || bytes.HasPrefix(data, []byte("-----BEGIN AGE")) {
		return []age.Identity{&encryptedIdentity{where: where, data: data}}, nil
	}
	var ids []age.Identity
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		words := []string{line}
		if several {
			words = strings.Fields(line)
		}
		for _, w := range words {
			id, err := parseAgeIdentity(w)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			ids = append(ids, id)
		}
	}
	return ids, sc.Err()
}

func parseAgeIdentity(s string) (age.Identity, error) {
	switch {
	case strings.HasPrefix(s, "AGE-PLUGIN-"):
		return plugin.NewIdentity(s, ageUI())
	case strings.HasPrefix(s, "AGE-SECRET-KEY-PQ-1"):
		return age.ParseHybridIdentity(s)
	case strings.HasPrefix(s, "AGE-SECRET-KEY-1"):
		return age.ParseX25519Identity(s)
	}
	return nil, errors.New("unknown age identity type")
}

// encryptedIdentity is a passphrase-encrypted identity file (age -p),
// decrypted the first time it is needed.
type encryptedIdentity struct {
	where string
	data  []byte
	ids   []age.Identity
}

func (e *encryptedIdentity) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	if e.ids == nil {
		var src io.Reader = bytes.NewReader(e.data)
		if bytes.HasPrefix(e.data, []byte("-----BEGIN AGE")) {
			src = armor.NewReader(src)
		}
		pass, err := ageUI().RequestValue("", fmt.Sprintf("Enter passphrase for identity '%s':", e.where), true)
		if err != nil {
			return nil, err
		}
		scrypt, err := age.NewScryptIdentity(pass)
		if err != nil {
			return nil, err
		}
		r, err := age.Decrypt(src, scrypt)
		if err != nil {
			return nil, fmt.Errorf("decrypt the identity file %s: %w", e.where, err)
		}
		if e.ids, err = age.ParseIdentities(r); err != nil {
			return nil, fmt.Errorf("%s: %w", e.where, err)
		}
	}
	for _, id := range e.ids {
		key, err := id.Unwrap(stanzas)
		if errors.Is(err, age.ErrIncorrectIdentity) {
			continue
		}
		return key, err
	}
	return nil, age.ErrIncorrectIdentity
}

// defaultAgeKeysPath is where sops looks for age identities by default:
// <user config dir>/sops/age/keys.txt, where $XDG_CONFIG_HOME wins on
// macOS too.
func defaultAgeKeysPath() string {
	dir := ""
	if runtime.GOOS == "darwin" {
		dir = os.Getenv("XDG_CONFIG_HOME")
	}
	if dir == "" {
		d, err := os.UserConfigDir()
		if err != nil {
			return filepath.Join("<user config dir>", filepath.FromSlash(ageKeysUserPath))
		}
		dir = d
	}
	return filepath.Join(dir, filepath.FromSlash(ageKeysUserPath))
}
