package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
)

// outputFormat is the value of a command's -o flag: its default, or one of
// the formats the command allows. Set refuses any other value, so a bad -o
// is a usage error before the command runs; the same list feeds shell
// completion.
type outputFormat struct {
	value, def string
	allowed    []string
}

// addOutputFlag adds -o/--output to cmd with default def and the allowed
// formats, and completes it with them.
func addOutputFlag(cmd *cobra.Command, def string, allowed []string, usage string) *outputFormat {
	o := &outputFormat{value: def, def: def, allowed: allowed}
	cmd.Flags().VarP(o, "output", "o", usage)
	// Fails only for a missing flag or a second registration; neither happens here.
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(allowed, cobra.ShellCompDirectiveNoFileComp))
	return o
}

// String is the chosen format.
func (o *outputFormat) String() string { return o.value }

// Type is what help shows after -o.
func (o *outputFormat) Type() string { return "string" }

// Set accepts an allowed format or the default.
func (o *outputFormat) Set(v string) error {
	if !slices.Contains(o.allowed, v) && v != o.def {
		return &unknownFormatError{value: v, allowed: o.allowed}
	}
	o.value = v
	return nil
}

// orList is "json", "yaml or json", "json, yaml or wide".
func orList(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// unknownFormatError is a -o value the command does not allow. The root's
// flag error func reports it as is, without pflag's "invalid argument"
// wrapping: the message already names the value and the flag's formats.
type unknownFormatError struct {
	value   string
	allowed []string
}

func (e *unknownFormatError) Error() string {
	return fmt.Sprintf("unknown output format %q (want %s)", e.value, orList(e.allowed))
}

// flagError is the root's FlagErrorFunc: an unknown -o format unwrapped,
// as a usage error (exit 2); other flag errors as they are (see isFlagError).
func flagError(_ *cobra.Command, err error) error {
	var uf *unknownFormatError
	if errors.As(err, &uf) {
		return &exitCodeError{code: exitUsage, err: uf}
	}
	return err
}
