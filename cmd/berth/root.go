package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/k8s"
)

// Exit codes, documented in the README.
const (
	exitOK       = 0
	exitError    = 1
	exitUsage    = 2
	exitNotReady = 3
)

// exitCodeError carries a specific exit code out of a command.
type exitCodeError struct {
	code int
	err  error
}

func (e *exitCodeError) Error() string { return e.err.Error() }
func (e *exitCodeError) Unwrap() error { return e.err }

// usageError marks bad flags or arguments (exit code 2).
func usageError(format string, a ...any) error {
	return &exitCodeError{code: exitUsage, err: fmt.Errorf(format, a...)}
}

// streams are the process's standard streams, injected for tests.
type streams struct {
	in       io.Reader
	out, err io.Writer
}

// globalOptions are the flags every command shares.
type globalOptions struct {
	kube    k8s.Flags
	streams streams
}

// run builds the command tree, executes it and maps the outcome to an exit code.
func run(ctx context.Context, args []string, in io.Reader, out, errOut io.Writer) int {
	opts := &globalOptions{streams: streams{in: in, out: out, err: errOut}}
	root := newRootCmd(opts, commandName(args[0]))
	root.SetArgs(args[1:])
	root.SetIn(in)
	root.SetOut(out)
	root.SetErr(errOut)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(errOut, "error: %v\n", err)
	var ce *exitCodeError
	if errors.As(err, &ce) {
		return ce.code
	}
	if isFlagError(err) {
		return exitUsage
	}
	return exitError
}

// commandName is "kubectl berth" when installed as a kubectl plugin.
func commandName(argv0 string) string {
	if strings.HasPrefix(filepath.Base(argv0), "kubectl-") {
		return "kubectl berth"
	}
	return "berth"
}

// isFlagError reports cobra's flag and argument errors, which carry no type.
func isFlagError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown flag", "unknown shorthand flag", "unknown command", "flag needs an argument", "invalid argument", "accepts ", "requires "} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

func newRootCmd(opts *globalOptions, name string) *cobra.Command {
	root := &cobra.Command{
		Use:   name,
		Short: "Compose apps on Kubernetes, one dev namespace per git branch",
		Long: `berth converts a docker-compose app into a kustomize base, spins up one dev
namespace per git branch on a spot-capacity cluster, and shows deploys and
pods live in a terminal UI.

Run without arguments to open the terminal UI.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runTUI(cmd, opts)
		},
	}
	pf := root.PersistentFlags()
	pf.StringVar(&opts.kube.Kubeconfig, "kubeconfig", "", "path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)")
	pf.StringVar(&opts.kube.Context, "context", "", "name of the kubeconfig context to use")
	pf.StringVarP(&opts.kube.Namespace, "namespace", "n", "", "namespace scope for this request")
	root.AddCommand(newVersionCmd(opts))
	root.AddCommand(newConvertCmd(opts))
	root.AddCommand(newUpCmd(opts))
	root.AddCommand(newSecretsCmd(opts))
	root.AddCommand(newRenderCmd(opts))
	root.AddCommand(newDownCmd(opts), newLsCmd(opts), newStatusCmd(opts), newSleepCmd(opts), newWakeCmd(opts), newGCCmd(opts))
	return root
}
