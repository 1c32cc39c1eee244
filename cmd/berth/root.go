package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/k8s"
)

// Exit codes, documented in the README and in `berth --help`.
const (
	exitOK       = 0
	exitError    = 1
	exitUsage    = 2
	exitNotReady = 3
)

// exitCodesHelp is the exit code table of the root command's help.
const exitCodesHelp = `Exit codes: 0 ok, 1 error, 2 usage (bad flag, argument or setting; up: the
environment does not fit its quota, nothing applied), 3 the environment failed
to become ready (up; status of a failed env), 4 a guard of deploy/rbac is
inactive (rbac check, doctor), 5 a grant berth needs is missing (rbac check,
doctor).`

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
	quiet   bool // --quiet: results and errors only
	verbose bool // --verbose: debug logs, client-go's (klog) included
	log     *slog.Logger
	prof    profiling // --cpuprofile, --memprofile (hidden; -tags berthprof)
}

// info is where progress and confirmations go: stdout, or nowhere with
// --quiet. Results (tables, JSON, YAML) always go to streams.out.
func (g *globalOptions) info() io.Writer {
	if g.quiet {
		return io.Discard
	}
	return g.streams.out
}

// run builds the command tree, executes it and maps the outcome to an exit code.
func run(ctx context.Context, args []string, in io.Reader, out, errOut io.Writer) int {
	opts := &globalOptions{streams: streams{in: in, out: out, err: errOut}}
	inv := invocationOf(args[0])
	root := newRootCmd(opts, args[0])
	rest := args[1:]
	if inv.completer {
		// kubectl runs kubectl_complete-berth with the words typed after
		// "kubectl berth"; cobra's hidden __complete command answers.
		rest = append([]string{cobra.ShellCompRequestCmd}, rest...)
	}
	root.SetArgs(rest)
	err := root.ExecuteContext(ctx)
	if perr := opts.prof.finish(); perr != nil && err == nil {
		err = perr
	}
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

// invocation is how the binary was called: as berth, as the kubectl plugin
// kubectl-berth, or as kubectl's completion helper kubectl_complete-berth.
type invocation struct {
	use       string // the executable's name; completion scripts are for it
	display   string // what help, usage and examples show
	completer bool   // kubectl_complete-berth: complete the arguments
}

// invocationOf derives the invocation from argv[0].
func invocationOf(argv0 string) invocation {
	// Both separators: a Windows path may reach a binary built elsewhere.
	base := strings.TrimSuffix(argv0[strings.LastIndexAny(argv0, `/\`)+1:], ".exe")
	switch {
	case strings.HasPrefix(base, "kubectl_complete-"):
		return invocation{use: "kubectl-berth", display: "kubectl berth", completer: true}
	case strings.HasPrefix(base, "kubectl-"):
		return invocation{use: base, display: "kubectl berth"}
	}
	return invocation{use: "berth", display: "berth"}
}

// commandName is "kubectl berth" when installed as a kubectl plugin.
func commandName(argv0 string) string {
	return invocationOf(argv0).display
}

// isFlagError reports cobra's flag and argument errors, which carry no type.
func isFlagError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown flag", "unknown shorthand flag", "unknown command", "flag needs an argument", "invalid argument", "accepts ", "requires ", "if any flags in the group"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

// newRootCmd builds the command tree for the binary called as argv0.
func newRootCmd(opts *globalOptions, argv0 string) *cobra.Command {
	inv := invocationOf(argv0)
	root := &cobra.Command{
		Use:   inv.use,
		Short: "Compose apps on Kubernetes, one dev namespace per git branch",
		Long: `berth converts a docker-compose app into a kustomize base, spins up one dev
namespace per git branch on a spot-capacity cluster, and shows deploys and
pods live in a terminal UI.

Run without arguments to open the terminal UI.

Settings are taken from flags, then BERTH_* environment variables (BERTH_BRANCH,
BERTH_TAG, BERTH_PROJECT, BERTH_PREFIX, BERTH_REGISTRY, BERTH_TTL,
BERTH_IDLE_SLEEP, BERTH_WEBHOOK), then berth.yaml, then defaults. NO_COLOR
turns colors off.

` + exitCodesHelp,
		Example: `  # open the terminal UI
  berth

  # convert the compose app, then deploy the current branch
  berth convert
  berth up

  # the environments of this project, for scripts
  berth ls -o json`,
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: inv.display},
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return setup(cmd, opts)
		},
		RunE: runOptions(&tuiOptions{globalOptions: opts}),
	}
	pf := root.PersistentFlags()
	pf.StringVar(&opts.kube.Kubeconfig, "kubeconfig", "", "path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)")
	pf.StringVar(&opts.kube.Context, "context", "", "name of the kubeconfig context to use")
	pf.StringVarP(&opts.kube.Namespace, "namespace", "n", "", "namespace scope for this request")
	pf.BoolVarP(&opts.quiet, "quiet", "q", false, "print only results and errors (no progress)")
	pf.BoolVarP(&opts.verbose, "verbose", "v", false, "debug logs on stderr, client-go's included")
	root.MarkFlagsMutuallyExclusive("quiet", "verbose")
	root.SetFlagErrorFunc(flagError)
	opts.prof.addFlags(pf)
	root.AddCommand(newVersionCmd(opts))
	root.AddCommand(newConvertCmd(opts))
	root.AddCommand(newUpCmd(opts))
	root.AddCommand(newImagesCmd(opts))
	root.AddCommand(newSecretsCmd(opts))
	root.AddCommand(newDownCmd(opts), newLsCmd(opts), newStatusCmd(opts), newSleepCmd(opts), newWakeCmd(opts), newGCCmd(opts))
	root.AddCommand(newForwardCmd(opts))
	root.AddCommand(newExecCmd(opts))
	root.AddCommand(newRenderCmd(opts))
	root.AddCommand(newLogsCmd(opts))
	root.AddCommand(newRBACCmd(opts), newRBACCheckCmd(opts, "doctor"))
	// Before registerCompletions: cobra's completion command keeps the
	// writer it sees when it is created.
	root.SetIn(opts.streams.in)
	root.SetOut(opts.streams.out)
	root.SetErr(opts.streams.err)
	registerCompletions(root, opts)
	if inv.display != "berth" {
		renameExamples(root, inv.display)
	}
	return root
}

// setup runs before every command: logging levels and BERTH_* variables
// for flags that were not given.
func setup(cmd *cobra.Command, opts *globalOptions) error {
	opts.log = newLogger(opts.streams.err, opts.quiet, opts.verbose)
	if err := bindEnv(cmd.Flags(), os.LookupEnv); err != nil {
		return err
	}
	return opts.prof.start()
}

// renameExamples makes every Example show the command as the user runs it
// ("kubectl berth up" for the plugin): "berth" starting a line is replaced.
func renameExamples(root *cobra.Command, display string) {
	lineStart := regexp.MustCompile(`(?m)^(\s*)berth\b`)
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.Example = lineStart.ReplaceAllString(c.Example, "${1}"+display)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
