package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/secrets"
)

// secretsOptions are the flags of the `berth secrets` commands.
type secretsOptions struct {
	age     []string
	format  string
	output  string
	inPlace bool
}

func newSecretsCmd(opts *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "secrets",
		Short: "Encrypt, decrypt and edit SOPS-encrypted secret files",
		Long: `secrets reads and writes files in the SOPS format, compatible with the sops CLI.

Recipients of a new file come from --age, else from the first creation rule
of the nearest .sops.yaml (from the file's directory upwards) whose
path_regex matches the file (age, AWS KMS, ...). Age identities to decrypt
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
	return cmd
}

func newSecretsEncryptCmd(g *globalOptions) *cobra.Command {
	o := &secretsOptions{}
	cmd := &cobra.Command{
		Use:   "encrypt FILE",
		Short: "Encrypt a file (to stdout, -o FILE, or -i in place)",
		Example: `  # encrypt in place for the recipients of .sops.yaml's matching rule
  berth secrets encrypt -i secrets/db-password.txt

  # encrypt for an age recipient into a new file
  berth secrets encrypt --age age1... -o secrets/api.enc.yaml secrets/api.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			file := args[0]
			f, err := o.fileFormat(file)
			if err != nil {
				return err
			}
			plain, err := os.ReadFile(file)
			if err != nil {
				return err
			}
			rule, err := secrets.RuleFor(o.target(file), o.age)
			if err != nil {
				return err
			}
			enc, err := secrets.Encrypt(cmd.Context(), file, plain, f, rule)
			if err != nil {
				return err
			}
			return o.write(g, file, enc, 0o644)
		},
	}
	o.register(cmd, true)
	return cmd
}

func newSecretsDecryptCmd(g *globalOptions) *cobra.Command {
	o := &secretsOptions{}
	cmd := &cobra.Command{
		Use:   "decrypt FILE",
		Short: "Decrypt a file to stdout (or -o FILE, written with mode 0600)",
		Example: `  # with the age key in the default place, or in $SOPS_AGE_KEY_FILE
  berth secrets decrypt secrets/db-password.txt
  SOPS_AGE_KEY_FILE=~/keys/shop.txt berth secrets decrypt secrets/api.enc.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			file := args[0]
			data, err := os.ReadFile(file)
			if err != nil {
				return err
			}
			f, err := o.encryptedFormat(file, data)
			if err != nil {
				return err
			}
			plain, err := secrets.Decrypt(cmd.Context(), file, data, f)
			if err != nil {
				return err
			}
			return o.write(g, file, plain, 0o600)
		},
	}
	o.register(cmd, false)
	return cmd
}

func newSecretsEditCmd(g *globalOptions) *cobra.Command {
	o := &secretsOptions{}
	cmd := &cobra.Command{
		Use:   "edit FILE",
		Short: "Edit an encrypted file in $EDITOR and re-encrypt it",
		Long: `edit decrypts FILE into a file of mode 0600 in a private temporary directory,
opens $EDITOR on it and re-encrypts the result with the file's own keys. The
plaintext is removed whatever happens, Ctrl-C included; FILE is left untouched
when the editor fails or nothing changed. A FILE that does not exist is
created for the recipients of --age or .sops.yaml.`,
		Example: `  berth secrets edit secrets/api.enc.yaml
  EDITOR="code --wait" berth secrets edit secrets/db-password.txt

  # a new file, for an age recipient
  berth secrets edit --age age1... secrets/new.enc.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			file := args[0]
			eo := secrets.EditOptions{Stdin: g.streams.in, Stdout: g.streams.out, Stderr: g.streams.err}
			if o.format != "" {
				f, err := secrets.ParseFormat(o.format, file)
				if err != nil {
					return usageError("--type: %v", err)
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
			changed, err := secrets.Edit(cmd.Context(), file, eo)
			if err != nil {
				return err
			}
			if !changed {
				fmt.Fprintf(g.streams.err, "%s unchanged\n", file)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.age, "age", nil, "age recipient of a new file (repeatable, or comma-separated) instead of .sops.yaml's")
	f.StringVar(&o.format, "type", "", "file format: yaml, json, dotenv, ini or binary (default: from the content, or the file name)")
	return cmd
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
func (o *secretsOptions) write(g *globalOptions, file string, data []byte, perm os.FileMode) error {
	switch {
	case o.inPlace && o.output != "":
		return usageError("--in-place and --output exclude each other")
	case o.inPlace:
		if st, err := os.Stat(file); err == nil {
			perm = st.Mode().Perm()
		}
		return secrets.WriteFileAtomic(file, data, perm)
	case o.output != "":
		return secrets.WriteFileAtomic(o.output, data, perm)
	}
	_, err := g.streams.out.Write(data)
	return err
}
