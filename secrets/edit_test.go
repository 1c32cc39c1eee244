package secrets_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-dev/berth/secrets"
	"github.com/berth-dev/berth/secrets/secretstest"
)

// editor writes a fake $EDITOR: a shell script running body with the file
// as $1.
func editor(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "editor.sh")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// encryptedFile writes plain, encrypted for a fresh test key, to
// dir/name.
func encryptedFile(t *testing.T, name, plain string) string {
	t.Helper()
	rule := ageRule(t, secretstest.Key(t))
	path := filepath.Join(t.TempDir(), name)
	enc, err := secrets.Encrypt(t.Context(), path, []byte(plain), secrets.FormatForPath(name), rule)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, enc, 0o640); err != nil {
		t.Fatal(err)
	}
	return path
}

// noLeftovers fails if dir holds anything: the plaintext's private
// directory must be gone.
func noLeftovers(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left behind in the temp dir: %s", e.Name())
	}
}

func TestEditReencrypts(t *testing.T) {
	path := encryptedFile(t, "creds.yaml", "user: shop\npassword: old-s3cret\n")
	before, _ := os.ReadFile(path)
	tmp := t.TempDir()
	modes := filepath.Join(t.TempDir(), "modes")
	ed := editor(t, `stat -c '%a' "$1" "$(dirname "$1")" > `+modes+`
sed -i 's/old-s3cret/new-s3cret/' "$1"`)
	changed, err := secrets.Edit(t.Context(), path, secrets.EditOptions{Editor: ed, TempDir: tmp})
	if err != nil || !changed {
		t.Fatalf("Edit = %v, %v", changed, err)
	}
	noLeftovers(t, tmp)
	if m, _ := os.ReadFile(modes); string(m) != "600\n700\n" {
		t.Errorf("plaintext file and dir modes %q, want 600 and 700", m)
	}
	after, _ := os.ReadFile(path)
	if bytes.Contains(after, []byte("new-s3cret")) || bytes.Equal(after, before) {
		t.Fatalf("file after edit:\n%s", after)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want the original 0640", st.Mode().Perm())
	}
	plain, err := secrets.Decrypt(t.Context(), path, after, secrets.YAML)
	if err != nil || string(plain) != "user: shop\npassword: new-s3cret\n" {
		t.Errorf("decrypted after edit: %q, %v", plain, err)
	}
	rb, _ := secrets.Recipients(secrets.YAML, before)
	ra, _ := secrets.Recipients(secrets.YAML, after)
	if strings.Join(rb, ",") != strings.Join(ra, ",") {
		t.Errorf("recipients changed: %v → %v", rb, ra)
	}
}

// TestEditLeavesFileAlone: a failing editor, no change, and an edit that
// does not parse leave the file byte for byte, and no plaintext behind.
func TestEditLeavesFileAlone(t *testing.T) {
	for name, c := range map[string]struct {
		body    string
		wantErr string
	}{
		"editor fails": {`echo 'password: half-typed-s3cret' >> "$1"; exit 3`, "exit status 3"},
		"unchanged":    {`true`, ""},
		"bad yaml":     {`echo 'broken-s3cret: [' >> "$1"`, "not valid yaml"},
		"no editor":    {"", "editor"},
	} {
		t.Run(name, func(t *testing.T) {
			path := encryptedFile(t, "creds.yaml", "password: kept-s3cret\n")
			before, _ := os.ReadFile(path)
			tmp := t.TempDir()
			ed := filepath.Join(t.TempDir(), "missing-editor")
			if c.body != "" {
				ed = editor(t, c.body)
			}
			changed, err := secrets.Edit(t.Context(), path, secrets.EditOptions{Editor: ed, TempDir: tmp})
			if changed {
				t.Error("reported a change")
			}
			switch {
			case c.wantErr == "" && err != nil:
				t.Errorf("err = %v", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Errorf("err = %v, want %q", err, c.wantErr)
			case err != nil && strings.Contains(err.Error(), "s3cret"):
				t.Errorf("error leaks plaintext: %v", err)
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(after, before) {
				t.Error("file changed")
			}
			noLeftovers(t, tmp)
		})
	}
}

// TestEditInterrupted: Ctrl-C (SIGINT to berth) while the editor runs stops
// it, removes the plaintext and leaves the file alone.
func TestEditInterrupted(t *testing.T) {
	path := encryptedFile(t, "db-password.txt", "interrupted-s3cret")
	before, _ := os.ReadFile(path)
	tmp := t.TempDir()
	ed := editor(t, `echo more >> "$1"; kill -INT $PPID; exec sleep 30`)
	changed, err := secrets.Edit(t.Context(), path, secrets.EditOptions{Editor: ed, TempDir: tmp})
	if changed || !errors.Is(err, secrets.ErrInterrupted) {
		t.Fatalf("Edit = %v, %v; want ErrInterrupted", changed, err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, before) {
		t.Error("file changed")
	}
	noLeftovers(t, tmp)
}

// TestEditNewFile creates a file for the given rule; an empty edit writes
// nothing.
func TestEditNewFile(t *testing.T) {
	rule := ageRule(t, secretstest.Key(t))
	dir := t.TempDir()
	path := filepath.Join(dir, "new.env")
	changed, err := secrets.Edit(t.Context(), path, secrets.EditOptions{Editor: editor(t, "true"), Rule: rule, TempDir: t.TempDir()})
	if err != nil || changed {
		t.Fatalf("empty new file: %v, %v", changed, err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("empty edit wrote %s", path)
	}
	changed, err = secrets.Edit(t.Context(), path, secrets.EditOptions{Editor: editor(t, `echo TOKEN=new-s3cret > "$1"`), Rule: rule, TempDir: t.TempDir()})
	if err != nil || !changed {
		t.Fatalf("new file: %v, %v", changed, err)
	}
	enc, _ := os.ReadFile(path)
	if f, ok := secrets.Detect(path, enc); !ok || f != secrets.Dotenv {
		t.Fatalf("new file not a sops dotenv file:\n%s", enc)
	}
	if got, err := secrets.Decrypt(t.Context(), path, enc, secrets.Dotenv); err != nil || string(got) != "TOKEN=new-s3cret\n" {
		t.Errorf("decrypted %q, %v", got, err)
	}
	if _, err := secrets.Edit(t.Context(), filepath.Join(dir, "other.txt"), secrets.EditOptions{Editor: "true"}); err == nil {
		t.Error("new file without recipients: no error")
	}
}
