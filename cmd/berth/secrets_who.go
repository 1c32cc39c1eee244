package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/secrets"
	"github.com/berth-dev/berth/tui/render"
)

// secretsWhoOptions are the options of `berth secrets who`.
type secretsWhoOptions struct {
	*globalOptions
	output *outputFormat
	files  []string // set by Complete
}

func newSecretsWhoCmd(g *globalOptions) *cobra.Command {
	o := &secretsWhoOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "who [FILE...]",
		Short: "Show the keys that can open each encrypted file, and whether you can",
		Long: `who lists, for each sops-encrypted FILE (default: every one under the current
directory), its key groups and keys, and tries each key on the file's data key
with your identity: age identities, and the AWS credentials of the standard
AWS configuration chain for KMS keys. Only the data key is decrypted, never a
value. A key you cannot use says why: for AWS KMS, access denied, key not
found, key disabled, key pending deletion or unavailable, no AWS credentials,
AWS credentials rejected, wrong key or encryption context, KMS unreachable.
A file whose keys differ from its .sops.yaml creation rule is marked: run
berth secrets updatekeys on it.`,
		Example: `  berth secrets who secrets/payments/db.env
  berth secrets who                      # every encrypted file under .
  berth secrets who -o json | jq -e 'all(.canOpen)'   # CI: this role opens them all`,
		RunE: runOptions(o),
	}
	o.output = addOutputFlag(cmd, "", []string{"json", "yaml"}, "output format: json or yaml")
	return cmd
}

// Complete takes the FILE arguments, or finds the encrypted files.
func (o *secretsWhoOptions) Complete(_ *cobra.Command, args []string) error {
	var err error
	o.files, err = secretFiles(args)
	return err
}

// Validate has nothing left to check: -o was checked when it was parsed.
func (o *secretsWhoOptions) Validate() error { return nil }

// whoFile is one file in `berth secrets who -o json|yaml`.
type whoFile struct {
	File    string   `json:"file"`
	Format  string   `json:"format"`
	CanOpen bool     `json:"canOpen"`
	Groups  int      `json:"groups"`
	Needed  int      `json:"needed"` // key groups needed to open it
	Keys    []whoKey `json:"keys"`
	// Rule is the .sops.yaml whose creation rule matches the file; "" if none.
	Rule string `json:"rule,omitempty"`
	// UpToDate: the file's keys are those of Rule (else: updatekeys).
	UpToDate bool `json:"upToDate"`
}

// whoKey is one key of a file.
type whoKey struct {
	Group      int    `json:"group"`
	Type       string `json:"type"`
	ID         string `json:"id"`
	CanDecrypt bool   `json:"canDecrypt"`
	// Error is why the key did not decrypt: for KMS, the class's words,
	// AWS's code and message.
	Error string `json:"error,omitempty"`
	// ErrorClass is the KMS error class (AccessDenied, KeyNotFound,
	// KeyDisabled, KeyUnavailable, NoCredentials, ...).
	ErrorClass string `json:"errorClass,omitempty"`
	ErrorCode  string `json:"errorCode,omitempty"` // AWS's error code
}

// Run tries each file's keys and prints them as a table or JSON.
func (o *secretsWhoOptions) Run(ctx context.Context) error {
	list := make([]whoFile, 0, len(o.files))
	for _, file := range o.files {
		w, err := who(ctx, file)
		if err != nil {
			return err
		}
		list = append(list, w)
	}
	if format := o.output.String(); format != "" {
		return writeData(o.streams.out, format, list)
	}
	return writeWho(o.streams.out, list)
}

// who reports the keys of file and the current identity's access.
func who(ctx context.Context, file string) (whoFile, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return whoFile{}, err
	}
	f, ok := secrets.Detect(file, data)
	if !ok {
		return whoFile{}, fmt.Errorf("%s is not sops-encrypted (no sops metadata)", file)
	}
	a, err := secrets.Access(ctx, file, data, f)
	if err != nil {
		return whoFile{}, err
	}
	w := whoFile{File: file, Format: string(f), CanOpen: a.CanOpen(), Groups: a.Groups, Needed: a.Needed, Keys: []whoKey{}}
	for _, k := range a.Keys {
		wk := whoKey{Group: k.Group, Type: k.Type, ID: k.ID, CanDecrypt: k.Err == nil}
		if k.Err != nil {
			wk.Error = k.Err.Error()
			var ke *secrets.KMSError
			if errors.As(k.Err, &ke) {
				wk.ErrorClass, wk.ErrorCode = string(ke.Class), ke.Code
			}
		}
		w.Keys = append(w.Keys, wk)
	}
	if _, change, err := secrets.UpdateKeys(ctx, file, data, f, true); err == nil {
		w.Rule, w.UpToDate = displayPath(change.Rule), !change.Changed()
	}
	return w, nil
}

// whoColumns are the columns of `berth secrets who`.
func whoColumns() []render.Column {
	return []render.Column{{Title: "FILE"}, {Title: "GROUP"}, {Title: "KEY"}, {Title: "YOU"}}
}

// writeWho prints a table of every file's keys, then a line per file:
// whether you can open it, and whether its keys follow its rule.
func writeWho(w io.Writer, list []whoFile) error {
	var rows []render.Row
	for _, f := range list {
		for _, k := range f.Keys {
			rows = append(rows, render.Row{Cells: []string{f.File, strconv.Itoa(k.Group), k.Type + ":" + k.ID, keyAccessText(k)}})
		}
	}
	if err := render.WriteText(w, whoColumns(), rows); err != nil {
		return err
	}
	fmt.Fprintln(w)
	for _, f := range list {
		line := f.File + ": you can open it"
		if !f.CanOpen {
			line = f.File + ": you cannot open it"
		}
		if f.Groups > 1 {
			line += fmt.Sprintf(" (%d of %d key groups needed)", f.Needed, f.Groups)
		}
		if f.Rule != "" && !f.UpToDate {
			line += "; its keys differ from the rule in " + f.Rule + ": berth secrets updatekeys " + f.File
		}
		fmt.Fprintln(w, line)
	}
	return nil
}

// keyAccessText is a key's YOU cell: "can decrypt", or why not in a few
// words (for KMS: the class and AWS's code).
func keyAccessText(k whoKey) string {
	switch {
	case k.CanDecrypt:
		return "can decrypt"
	case k.ErrorClass != "":
		text := secrets.KMSErrorClass(k.ErrorClass).Text()
		if k.ErrorCode != "" {
			text += " (" + k.ErrorCode + ")"
		}
		return text
	}
	short, _, _ := strings.Cut(k.Error, " (")
	return short
}

// displayPath is p relative to the working directory when it is below
// it, else p.
func displayPath(p string) string {
	wd, err := os.Getwd()
	if err != nil {
		return p
	}
	rel, err := filepath.Rel(wd, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return p
	}
	return rel
}

// secretFiles is args, or the sops-encrypted files under the current
// directory when there are none.
func secretFiles(args []string) ([]string, error) {
	if len(args) > 0 {
		return args, nil
	}
	files, err := secrets.FindEncrypted(".")
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, errors.New("no sops-encrypted files under the current directory; name the files")
	}
	return files, nil
}
