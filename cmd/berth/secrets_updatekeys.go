package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/secrets"
)

// secretsUpdateKeysOptions are the options of `berth secrets updatekeys`.
type secretsUpdateKeysOptions struct {
	*globalOptions
	dryRun bool
	files  []string // set by Complete
}

func newSecretsUpdateKeysCmd(g *globalOptions) *cobra.Command {
	o := &secretsUpdateKeysOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "updatekeys [FILE...]",
		Short: "Re-encrypt files' data keys for the keys of their .sops.yaml rule",
		Long: `updatekeys brings each sops-encrypted FILE (default: every one under the
current directory) to the keys of its .sops.yaml creation rule, as
sops updatekeys does: when a team joins or leaves a rule, the file's data key
is decrypted with your identity and encrypted for every key of the rule. The
values, their ciphertext and the MAC are left as they are. It prints each
file's key groups: kept keys indented, added ones +++, removed ones ---.
--dry-run only prints what would change, without decrypting anything.

A team that leaves could have kept the data key: rotate the values that
matter to it (edit them) after it leaves.`,
		Example: `  berth secrets updatekeys --dry-run
  berth secrets updatekeys secrets/shared/api.yaml`,
		RunE: runOptions(o),
	}
	cmd.Flags().BoolVar(&o.dryRun, "dry-run", false, "print what would change, write nothing")
	return cmd
}

// Complete takes the FILE arguments, or finds the encrypted files.
func (o *secretsUpdateKeysOptions) Complete(_ *cobra.Command, args []string) error {
	var err error
	o.files, err = secretFiles(args)
	return err
}

// Validate has nothing to check.
func (o *secretsUpdateKeysOptions) Validate() error { return nil }

// Run updates (or with --dry-run, compares) each file's keys; a file
// that fails does not stop the others.
func (o *secretsUpdateKeysOptions) Run(ctx context.Context) error {
	var errs []error
	for _, file := range o.files {
		if err := o.update(ctx, file); err != nil {
			if ctx.Err() != nil {
				return err
			}
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (o *secretsUpdateKeysOptions) update(ctx context.Context, file string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	st, err := os.Stat(file)
	if err != nil {
		return err
	}
	f, ok := secrets.Detect(file, data)
	if !ok {
		return fmt.Errorf("%s is not sops-encrypted (no sops metadata)", file)
	}
	out, change, err := secrets.UpdateKeys(ctx, file, data, f, o.dryRun)
	if err != nil {
		return err
	}
	w := o.streams.out
	switch {
	case !change.Changed():
		if !o.quiet {
			fmt.Fprintf(w, "%s: up to date with %s\n", file, displayPath(change.Rule))
		}
		return nil
	case o.dryRun:
		fmt.Fprintf(w, "%s: would update its keys to the rule in %s\n", file, displayPath(change.Rule))
	default:
		if err := secrets.WriteFileAtomic(file, out, st.Mode().Perm()); err != nil {
			return err
		}
		fmt.Fprintf(w, "%s: keys updated to the rule in %s\n", file, displayPath(change.Rule))
	}
	writeKeysChange(w, change)
	return nil
}

// writeKeysChange prints a change as sops updatekeys does: the threshold,
// then each group's keys, kept indented, added +++, removed ---.
func writeKeysChange(w io.Writer, c *secrets.KeysChange) {
	switch {
	case c.OldThreshold != c.NewThreshold && c.NewThreshold > 0 && c.OldThreshold > 0:
		fmt.Fprintf(w, "+++ shamir_threshold: %d\n--- shamir_threshold: %d\n", c.NewThreshold, c.OldThreshold)
	case c.OldThreshold != c.NewThreshold && c.NewThreshold > 0:
		fmt.Fprintf(w, "+++ shamir_threshold: %d\n", c.NewThreshold)
	case c.OldThreshold != c.NewThreshold:
		fmt.Fprintf(w, "--- shamir_threshold: %d\n", c.OldThreshold)
	}
	for i, g := range c.Groups {
		fmt.Fprintf(w, "Group %d\n", i+1)
		for _, k := range g.Kept {
			fmt.Fprintf(w, "    %s\n", k)
		}
		for _, k := range g.Added {
			fmt.Fprintf(w, "+++ %s\n", k)
		}
		for _, k := range g.Removed {
			fmt.Fprintf(w, "--- %s\n", k)
		}
	}
}
