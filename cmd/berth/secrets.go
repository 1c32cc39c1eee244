package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/secrets"
)

// secretsOptions are the options the `berth secrets` commands share.
type secretsOptions struct {
	*globalOptions
	age     []string
	format  string
	output  string
	inPlace bool

	file string // the FILE argument, set by Complete
}

// Complete takes the FILE argument.
func (o *secretsOptions) Complete(_ *cobra.Command, args []string) error {
	o.file = args[0]
	return nil
}

// Validate refuses -i with -o and a --type sops does not know.
func (o *secretsOptions) Validate() error {
	if o.inPlace && o.output != "" {
		return usageError("--in-place and --output exclude each other")
	}
	if o.format != "" {
		_, err := o.fileFormat(o.file)
		return err
	}
	return nil
}

func newSecretsCmd(opts *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "secrets",
		Short: "Encrypt, decrypt and edit SOPS-encrypted secret files",
		Long: `secrets reads and writes files in the SOPS format, compatible with the sops CLI.

Recipients of a new file come from --age, else from the first creation rule
of the nearest .sops.yaml (from the file's directory upwards) whose
path_regex matches the file (age or AWS KMS keys). Age identities to decrypt
are read from $SOPS_AGE_KEY, $SOPS_AGE_KEY_FILE, $SOPS_AGE_KEY_CMD and
<user config dir>/sops/age/keys.txt, as sops reads them.

A compose secret whose file is SOPS-encrypted (or points to one with
x-berth: {sops: FILE}) stays encrypted in the output of berth convert;
berth up decrypts it in memory into the Secret it applies. See docs/secrets.md.`,
		Example: `  berth secrets encrypt -i secrets/db-password.txt
  berth secrets decrypt secrets/db-password.txt
  berth secrets edit secrets/api.enc.yaml`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newSecretsEncryptCmd(opts), newSecretsDecryptCmd(opts), newSecretsEditCmd(opts))
	cmd.AddCommand(newSecretsWhoCmd(opts), newSecretsUpdateKeysCmd(opts))
	return cmd
}

// secretsEncryptOptions are the options of `berth secrets encrypt`.
type secretsEncryptOptions struct{ secretsOptions }

func newSecretsEncryptCmd(g *globalOptions) *cobra.Command {
	o := &secretsEncryptOptions{secretsOptions{globalOptions: g}}
	cmd := &cobra.Command{
		Use:   "encrypt FILE",
		Short: "Encrypt a file (to stdout, -o FILE, or -i in place)",
		Example: `  # encrypt in place for the recipients of .sops.yaml's matching rule
  berth secrets encrypt -i secrets/db-password.txt

  # encrypt for an age recipient into a new file
  berth secrets encrypt --age age1... -o secrets/api.enc.yaml secrets/api.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: runOptions(o),
	}
	o.register(cmd, true)
	return cmd
}

// Run encrypts the file for the recipients of --age or .sops.yaml.
func (o *secretsEncryptOptions) Run(ctx context.Context) error {
	f, err := o.fileFormat(o.file)
	if err != nil {
		return err
	}
	plain, err := os.ReadFile(o.file)
	if err != nil {
		return err
	}
	rule, err := secrets.RuleFor(o.target(o.file), o.age)
	if err != nil {
		return err
	}
	enc, err := secrets.Encrypt(ctx, o.file, plain, f, rule)
	if err != nil {
		return err
	}
	return o.write(o.file, enc, 0o644)
}

// secretsDecryptOptions are the options of `berth secrets decrypt`.
type secretsDecryptOptions struct{ secretsOptions }

func newSecretsDecryptCmd(g *globalOptions) *cobra.Command {
	o := &secretsDecryptOptions{secretsOptions{globalOptions: g}}
	cmd := &cobra.Command{
		Use:   "decrypt FILE",
		Short: "Decrypt a file to stdout (or -o FILE, written with mode 0600)",
		Example: `  # with the age key in the default place, or in $SOPS_AGE_KEY_FILE
  berth secrets decrypt secrets/db-password.txt
  SOPS_AGE_KEY_FILE=~/keys/shop.txt berth secrets decrypt secrets/api.enc.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: runOptions(o),
	}
	o.register(cmd, false)
	return cmd
}

// Run decrypts the file with the identities sops would use.
func (o *secretsDecryptOptions) Run(ctx context.Context) error {
	data, err := os.ReadFile(o.file)
	if err != nil {
		return err
	}
	f, err := o.encryptedFormat(o.file, data)
	if err != nil {
		return err
	}
	plain, err := secrets.Decrypt(ctx, o.file, data, f)
	if err != nil {
		return err
	}
	return o.write(o.file, plain, 0o600)
}

// secretsEditOptions are the options of `berth secrets edit`.
type secretsEditOptions struct{ secretsOptions }

func newSecretsEditCmd(g *globalOptions) *cobra.Command {
	o := &secretsEditOptions{secretsOptions{globalOptions: g}}
	cmd := &cobra.Command{
		Use:   "edit FILE",
		Short: "Edit an encrypted file in $EDITOR and re-encrypt it",
		Long: `edit decrypts FILE into a file of mode 0600 in a private temporary directory,
opens $EDITOR on it and re-encrypts the result with the file's own keys (as
sops does; when they differ from its .sops.yaml rule, edit says so: berth
secrets updatekeys brings them to the rule). The
plaintext is removed whatever happens, Ctrl-C included; FILE is left untouched
when the editor fails or nothing changed. A FILE that does not exist is
created for the recipients of --age or .sops.yaml.`,
		Example: `  berth secrets edit secrets/api.enc.yaml
  EDITOR="code --wait" berth secrets edit secrets/db-password.txt

  # a new file, for an age recipient
  berth secrets edit --age age1... secrets/new.enc.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: runOptions(o),
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.age, "age", nil, "age recipient of a new file (repeatable, or comma-separated) instead of .sops.yaml's")
	f.StringVar(&o.format, "type", "", "file format: yaml, json, dotenv, ini or binary (default: from the content, or the file name)")
	return cmd
}

// Run edits the file in $EDITOR and re-encrypts it.
func (o *secretsEditOptions) Run(ctx context.Context) error {
	file := o.file
	eo := secrets.EditOptions{Stdin: o.streams.in, Stdout: o.streams.out, Stderr: o.streams.err}
	if o.format != "" {
		f, err := o.fileFormat(file)
		if err != nil {
			return err
		}
		eo.Format = f
	}
	if _, err := os.Stat(file); errors.Is(err, os.ErrNotExist) {
		rule, err := secrets.RuleFor(file, o.age)
		if err != nil {
			return err
		}
		eo.Rule = rule
	}
	changed, err := secrets.Edit(ctx, file, eo)
	if err != nil {
		return err
	}
	if !changed {
		fmt.Fprintf(o.streams.err, "%s unchanged\n", file)
	}
	o.noteRuleChange(ctx, file)
	return nil
}

// noteRuleChange says when an existing file's keys, which edit keeps as
// sops does, differ from its .sops.yaml creation rule.
func (o *secretsOptions) noteRuleChange(ctx context.Context, file string) {
	data, err := os.ReadFile(file)
	if err != nil || o.quiet {
		return
	}
	f, ok := secrets.Detect(file, data)
	if !ok {
		return
	}
	if _, change, err := secrets.UpdateKeys(ctx, file, data, f, true); err == nil && change.Changed() {
		fmt.Fprintf(o.streams.err, "note: %s keeps its keys, which differ from the rule in %s: berth secrets updatekeys %s re-encrypts its data key for the rule\n", file, displayPath(change.Rule), file)
	}
}

func (o *secretsOptions) register(cmd *cobra.Command, encrypt bool) {
	f := cmd.Flags()
	if encrypt {
		f.StringArrayVar(&o.age, "age", nil, "age recipient (repeatable, or comma-separated) instead of .sops.yaml's rules")
	}
	f.StringVar(&o.format, "type", "", "file format: yaml, json, dotenv, ini or binary (default: from the file name, as sops)")
	f.StringVarP(&o.output, "output", "o", "", "write to this file instead of stdout")
	if encrypt {
		f.BoolVarP(&o.inPlace, "in-place", "i", false, "replace FILE with the result")
	}
}

// fileFormat is --type, else the format sops infers from file's name.
func (o *secretsOptions) fileFormat(file string) (secrets.Format, error) {
	f, err := secrets.ParseFormat(o.format, file)
	if err != nil {
		return "", usageError("--type: %v", err)
	}
	return f, nil
}

// encryptedFormat is --type, else the format detected from data.
func (o *secretsOptions) encryptedFormat(file string, data []byte) (secrets.Format, error) {
	if o.format != "" {
		return o.fileFormat(file)
	}
	f, ok := secrets.Detect(file, data)
	if !ok {
		return "", fmt.Errorf("%s is not sops-encrypted (no sops metadata)", file)
	}
	return f, nil
}

// target is the file the result goes to, whose path picks the creation rule.
func (o *secretsOptions) target(file string) string {
	if o.output != "" {
		return o.output
	}
	return file
}

// write puts the result in -o, in place with -i, or on stdout.
func (o *secretsOptions) write(file string, data []byte, perm os.FileMode) error {
	switch {
	case o.inPlace:
		if st, err := os.Stat(file); err == nil {
			perm = st.Mode().Perm()
		}
		return secrets.WriteFileAtomic(file, data, perm)
	case o.output != "":
		return secrets.WriteFileAtomic(o.output, data, perm)
	}
	_, err := o.streams.out.Write(data)
	return err
}
