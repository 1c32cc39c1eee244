package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/shell"
)

// execOptions are the options of `berth exec`.
type execOptions struct {
	targetOptions
	pod       string
	container string
	stdin     bool // -i
	tty       bool // -t

	// set by Complete
	service string
	command []string // nil: a shell
	where   shell.Container
}

func newExecCmd(opts *globalOptions) *cobra.Command {
	o := &execOptions{targetOptions: targetOptions{globalOptions: opts}}
	cmd := &cobra.Command{
		Use:   "exec SERVICE [-- COMMAND [ARGS...]]",
		Short: "Run a shell or a command in a service's pod",
		Long: `exec runs a command in a container of a compose service of an environment
(default: the current branch's; --env picks another branch or namespace):
in the newest Ready pod of the service's workload, or --pod, and in the
container -c names, else the pod's first.

Without a command it opens a shell, /bin/bash or else /bin/sh, with a
terminal when stdin is one (raw mode; the remote window follows yours);
piped stdin goes to the shell. With a command, -i sends stdin and -t (with
-i) asks for a terminal, as kubectl exec does.

The exit code is the command's.`,
		Example: `  # a shell in the web service of the current branch's environment
  berth exec web

  # one command; its exit code is berth's
  berth exec web -- sh -c 'exit 3'

  # feed a file to a command in another branch's environment
  berth exec db --env feature/login -i -- psql < dump.sql`,
		Args: cobra.MinimumNArgs(1),
		RunE: runOptions(o),
	}
	o.target.register(cmd)
	o.target.registerEnv(cmd)
	f := cmd.Flags()
	f.StringVar(&o.pod, "pod", "", "pod of the service to run in (default: its newest Ready pod)")
	f.StringVarP(&o.container, "container", "c", "", "container (default: the pod's first)")
	f.BoolVarP(&o.stdin, "stdin", "i", false, "send stdin to the command (always for a shell)")
	f.BoolVarP(&o.tty, "tty", "t", false, "with -i, a terminal when stdin is one (always for a shell)")
	return cmd
}

// Complete splits SERVICE from the command after --, resolves the
// environment and picks the pod and container.
func (o *execOptions) Complete(cmd *cobra.Command, args []string) error {
	o.service = args[0]
	dash := cmd.ArgsLenAtDash()
	switch {
	case dash == 1:
		o.command = args[1:]
	case len(args) > 1:
		return usageError("put the command after --: berth exec %s -- %s", args[0], args[1])
	}
	if err := o.targetOptions.Complete(cmd, []string{o.target.env}); err != nil {
		return err
	}
	t, err := shell.Pick(cmd.Context(), o.client.Typed, o.namespace, o.service, o.pod, o.container)
	if err != nil {
		return err
	}
	o.where = t
	return nil
}

// Validate checks the service name.
func (o *execOptions) Validate() error {
	if o.service == "" {
		return usageError("exec: no service named")
	}
	return nil
}

// session is the session the options describe: a shell reads stdin and,
// on a terminal, has one; a command does with -i and -t. Like kubectl, -t
// needs -i, and without a terminal on stdin it warns and runs without one.
func (o *execOptions) session() *shell.Session {
	term := shell.IsTerminal(o.streams.in)
	s := &shell.Session{Config: o.client.Config, Client: o.client.Typed, Container: o.where, Command: o.command, Stdin: o.stdin, TTY: o.tty && o.stdin && term}
	if o.command == nil {
		s.Stdin, s.TTY = true, term
	} else if o.tty && o.stdin && !term {
		fmt.Fprintln(o.streams.err, "Unable to use a TTY - input is not a terminal or the right kind of file")
	}
	s.SetStdin(o.streams.in)
	s.SetStdout(o.streams.out)
	s.SetStderr(o.streams.err)
	return s
}

// Run runs the session; a non-zero exit code of the command is berth's.
func (o *execOptions) Run(ctx context.Context) error {
	err := o.session().RunContext(ctx)
	if code, ok := shell.ExitCode(err); ok {
		return &exitCodeError{code: code, err: err}
	}
	if err != nil && ctx.Err() != nil {
		return &exitCodeError{code: exitInterrupted, err: errors.New("interrupted")}
	}
	return err
}

// exitInterrupted is a shell's code for a command ended by SIGINT.
const exitInterrupted = 130
