package main

import (
	"context"

	"github.com/spf13/cobra"
)

// commandOptions is kubectl's command shape: a command's flags are parsed
// into its options, then Complete fills in what they leave open (settings
// resolved once, the cluster client, the target environment), Validate
// checks what remains, and Run does the work and writes the output.
type commandOptions interface {
	Complete(cmd *cobra.Command, args []string) error
	Validate() error
	Run(ctx context.Context) error
}

// runOptions is the RunE of a command whose options are o.
func runOptions(o commandOptions) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if err := o.Complete(cmd, args); err != nil {
			return err
		}
		if err := o.Validate(); err != nil {
			return err
		}
		return o.Run(cmd.Context())
	}
}
