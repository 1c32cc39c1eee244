package main

import "github.com/spf13/cobra"

// runTUI opens the terminal UI. Until the TUI is wired it prints help.
func runTUI(cmd *cobra.Command, _ *globalOptions) error {
	return cmd.Help()
}
