package secrets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/berth-dev/berth/secrets/sopsfile"
)

// EditOptions configure Edit.
type EditOptions struct {
	// Editor is the editor's command line; the file is its last argument.
	// Default: $EDITOR, else vi.
	Editor string
	// Format of the file; default: detected from its content, or from its
	// name for a new file.
	Format Format
	// Rule encrypts a new file; an existing one keeps its keys.
	Rule *Rule
	// TempDir is where the private directory for the plaintext is made;
	// default os.TempDir().
	TempDir string
	// The editor's standard streams; default the process's.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// ErrInterrupted is returned by Edit when a signal stopped the edit.
var ErrInterrupted = errors.New("interrupted; the file is unchanged")

// Edit decrypts path into a file of mode 0600 in a private directory (mode
// 0700), opens the editor on it, and writes the re-encrypted result back
// (keeping the file's keys, data key and the ciphertext of unchanged
// values, as `sops edit` does). The
// plaintext is removed whatever happens, also on SIGINT, SIGTERM or
// SIGHUP, which stop the editor. path is left untouched when the editor
// fails, the edit is interrupted, the result does not parse, or nothing
// changed. Edit reports whether it wrote path.
func Edit(ctx context.Context, path string, o EditOptions) (changed bool, err error) {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()

	doc, err := openForEdit(ctx, path, o)
	if err != nil {
		return false, err
	}
	dir, err := os.MkdirTemp(o.TempDir, "berth-edit-")
	if err != nil {
		return false, fmt.Errorf("edit %s: %w", path, err)
	}
	defer func() {
		if rmErr := os.RemoveAll(dir); rmErr != nil {
			err = errors.Join(err, fmt.Errorf("remove the plaintext in %s: %w", dir, rmErr))
		}
	}()
	if err := os.Chmod(dir, 0o700); err != nil {
		return false, fmt.Errorf("edit %s: %w", path, err)
	}
	tmp := filepath.Join(dir, filepath.Base(path))
	if err := writeNew(tmp, doc.plain); err != nil {
		return false, fmt.Errorf("edit %s: %w", path, err)
	}
	if err := runEditor(ctx, tmp, o); err != nil {
		if ctx.Err() != nil {
			return false, fmt.Errorf("edit %s: %w", path, ErrInterrupted)
		}
		return false, fmt.Errorf("edit %s: %w; the file is unchanged", path, err)
	}
	edited, err := os.ReadFile(tmp)
	if err != nil {
		return false, fmt.Errorf("edit %s: %w", path, err)
	}
	if bytes.Equal(edited, doc.plain) {
		return false, nil
	}
	out, err := doc.seal(ctx, path, edited)
	if err != nil {
		return false, fmt.Errorf("%w; the file is unchanged", err)
	}
	if err := WriteFileAtomic(path, out, doc.mode); err != nil {
		return false, err
	}
	return true, nil
}

// editDoc is the file under edit: its plaintext and how to re-encrypt it.
type editDoc struct {
	plain  []byte
	mode   fs.FileMode
	format Format
	tree   *sopsfile.Tree // nil for a new file
	key    []byte
	cipher *sopsfile.Cipher // remembers the IVs of the decrypted values
	rule   *Rule
}

func openForEdit(ctx context.Context, path string, o EditOptions) (*editDoc, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if o.Rule == nil {
			return nil, fmt.Errorf("edit %s: the file does not exist and no recipients were given", path)
		}
		f := o.Format
		if f == "" {
			f = FormatForPath(path)
		}
		return &editDoc{mode: 0o644, format: f, rule: o.Rule}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("edit %s: %w", path, err)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("edit %s: %w", path, err)
	}
	f := o.Format
	if f == "" {
		detected, ok := Detect(path, data)
		if !ok {
			return nil, fmt.Errorf("edit %s: not a sops-encrypted file; encrypt it first with berth secrets encrypt", path)
		}
		f = detected
	}
	tree, key, err := open(ctx, path, data, f)
	if err != nil {
		return nil, err
	}
	c := sopsfile.NewCipher()
	if err := tree.Open(key, c); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	plain, err := f.store().EmitPlain(tree.Branches)
	if err != nil {
		return nil, fmt.Errorf("%s: write %s plaintext: %w", path, f, err)
	}
	return &editDoc{plain: plain, mode: st.Mode().Perm(), format: f, tree: tree, key: key, cipher: c}, nil
}

// seal encrypts the edited plaintext: with the file's own data key and
// keys, or for a new file with the rule.
func (d *editDoc) seal(ctx context.Context, path string, edited []byte) ([]byte, error) {
	if d.tree == nil {
		return Encrypt(ctx, path, edited, d.format, d.rule)
	}
	branches, err := loadPlain(d.format, edited)
	if err != nil {
		return nil, fmt.Errorf("edit %s: %w", path, err)
	}
	if d.format.store().HasMetadata(branches[0]) {
		return nil, fmt.Errorf("edit %s: the edited file has a top-level sops entry", path)
	}
	d.tree.Branches = branches
	return seal(path, d.format, d.tree, d.key, d.cipher)
}

// runEditor runs the editor on file and waits for it; a cancelled ctx
// kills it.
func runEditor(ctx context.Context, file string, o EditOptions) error {
	line := o.Editor
	if line == "" {
		line = os.Getenv("EDITOR")
	}
	if strings.TrimSpace(line) == "" {
		line = "vi"
	}
	argv := strings.Fields(line)
	cmd := exec.CommandContext(ctx, argv[0], append(argv[1:], file)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = o.Stdin, o.Stdout, o.Stderr
	if cmd.Stdin == nil {
		cmd.Stdin = os.Stdin
	}
	if cmd.Stdout == nil {
		cmd.Stdout = os.Stdout
	}
	if cmd.Stderr == nil {
		cmd.Stderr = os.Stderr
	}
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("editor %s: %w", argv[0], err)
	}
	return nil
}

// writeNew creates file with mode 0600 and writes data to it.
func writeNew(file string, data []byte) error {
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// WriteFileAtomic replaces path with data (mode perm) through a temporary
// file in the same directory, so readers see the old or the new file.
func WriteFileAtomic(path string, data []byte, perm fs.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after the rename, a no-op
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(tmp, perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
