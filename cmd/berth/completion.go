package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/lifecycle"
	"github.com/berth-dev/berth/meta"
)

// completionTimeout bounds a completion's cluster lookup: TAB must answer
// promptly (with the git branches alone) when the cluster does not.
const completionTimeout = 3 * time.Second

// registerCompletions wires shell completion into the command tree: git
// branches and berth environments for BRANCH arguments and --branch,
// projects for --project, kubeconfig contexts for --context, directories
// for convert's -o (the formats of other commands' -o complete themselves,
// see addOutputFlag). cobra's completion and help commands get examples like
// every other command.
func registerCompletions(root *cobra.Command, opts *globalOptions) {
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		switch c.Name() {
		case "completion":
			exampleCompletion(c)
		case "help":
			c.Example = "  berth help up"
		case "down", "status", "sleep", "wake":
			c.ValidArgsFunction = completeTarget(opts, true)
		}
	}
	walk(root, func(c *cobra.Command) {
		// RegisterFlagCompletionFunc fails only for a flag that is missing
		// or already has a completion; neither needs handling here.
		if c.Flags().Lookup("branch") != nil {
			_ = c.RegisterFlagCompletionFunc("branch", completeTarget(opts, false))
		}
		if c.Flags().Lookup("project") != nil {
			_ = c.RegisterFlagCompletionFunc("project", completeProjects(opts))
		}
		if c.Flags().Lookup("env") != nil { // --env BRANCH|NAMESPACE of forward, exec, logs
			env := completeTarget(opts, true)
			_ = c.RegisterFlagCompletionFunc("env", func(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
				return env(cmd, nil, toComplete)
			})
		}
	})
	if c, _, err := root.Find([]string{"convert"}); err == nil && c.Flags().Lookup("output") != nil {
		_ = c.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return nil, cobra.ShellCompDirectiveFilterDirs
		})
	}
	_ = root.RegisterFlagCompletionFunc("context", completeContexts(opts))
}

// walk calls fn on c and every command below it.
func walk(c *cobra.Command, fn func(*cobra.Command)) {
	fn(c)
	for _, sub := range c.Commands() {
		walk(sub, fn)
	}
}

// completeTarget completes a branch: the git branches of the app's repo
// and the branches of the project's environments on the cluster; with
// namespaces, the environments' namespaces too (down, status, sleep and
// wake take either).
func completeTarget(opts *globalOptions, namespaces bool) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if namespaces && len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		t := targetFlags{flags: cmd.Flags(), lookup: os.LookupEnv}
		t.dir, _ = cmd.Flags().GetString("dir")
		cfg, root, err := t.config()
		if err != nil {
			cobra.CompDebugln("berth: "+err.Error(), false)
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		c := newCandidates(toComplete)
		// the cluster's answer is a round trip away: read git meanwhile on
		// a goroutine of its own (a shallow walk of the refs). The lookup
		// stays on this goroutine, whose stack the start already grew: on a
		// fresh one, reading the kubeconfig and decoding the list grow and
		// copy a small stack, ~0.7 MiB more peak RSS (bench/README.md).
		var branches []string
		var gitErr error
		read := make(chan struct{})
		go func() {
			defer close(read)
			branches, gitErr = gitBranches(root)
		}()
		list, listErr := berthNamespaces(cmd.Context(), opts, lifecycle.Selector(cfg.Project))
		<-read
		if gitErr != nil {
			cobra.CompDebugln("berth: "+gitErr.Error(), false)
		}
		for _, b := range branches {
			c.add(b, "git branch")
		}
		if listErr != nil {
			cobra.CompDebugln("berth: "+listErr.Error(), false)
		}
		for _, ns := range list {
			if b := ns.Annotations[meta.AnnotationBranch]; b != "" {
				c.add(b, "environment "+ns.Name)
			}
			if namespaces {
				c.add(ns.Name, "namespace of branch "+orDash(ns.Annotations[meta.AnnotationBranch]))
			}
		}
		return c.list(), cobra.ShellCompDirectiveNoFileComp
	}
}

// completeProjects completes --project with the projects that have
// environments on the cluster.
func completeProjects(opts *globalOptions) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		list, err := berthNamespaces(cmd.Context(), opts, lifecycle.Selector(""))
		if err != nil {
			cobra.CompDebugln("berth: "+err.Error(), false)
		}
		c := newCandidates(toComplete)
		for _, ns := range list {
			if p := ns.Labels[meta.LabelProject]; p != "" {
				c.add(p, "project")
			}
		}
		return c.list(), cobra.ShellCompDirectiveNoFileComp
	}
}

// completeContexts completes --context from the kubeconfig.
func completeContexts(opts *globalOptions) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		raw, err := opts.kube.ClientConfig().RawConfig()
		if err != nil {
			cobra.CompDebugln("berth: "+err.Error(), false)
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		c := newCandidates(toComplete)
		for name, ctx := range raw.Contexts {
			c.add(name, "cluster "+ctx.Cluster)
		}
		return c.list(), cobra.ShellCompDirectiveNoFileComp
	}
}

// berthNamespace is what completion needs of a namespace.
type berthNamespace struct {
	Name        string
	Labels      map[string]string
	Annotations map[string]string
}

// berthNamespaces lists the namespaces matching selector within
// completionTimeout.
func berthNamespaces(ctx context.Context, opts *globalOptions, selector string) ([]berthNamespace, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, completionTimeout)
	defer cancel()
	c, err := k8s.NewMetadataClient(opts.kube)
	if err != nil {
		return nil, err
	}
	list, err := c.Namespaces(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, fmt.Errorf("list berth namespaces: %w", err)
	}
	out := make([]berthNamespace, 0, len(list.Items))
	for _, ns := range list.Items {
		out = append(out, berthNamespace{Name: ns.Name, Labels: ns.Labels, Annotations: ns.Annotations})
	}
	return out, nil
}

// candidates collects completions matching a prefix, each value once with
// its first description.
type candidates struct {
	prefix string
	desc   map[string]string
}

func newCandidates(prefix string) *candidates {
	return &candidates{prefix: prefix, desc: map[string]string{}}
}

func (c *candidates) add(value, desc string) {
	if !strings.HasPrefix(value, c.prefix) {
		return
	}
	if _, ok := c.desc[value]; !ok {
		c.desc[value] = desc
	}
}

// list returns the completions sorted, as "value\tdescription".
func (c *candidates) list() []cobra.Completion {
	values := make([]string, 0, len(c.desc))
	for v := range c.desc {
		values = append(values, v)
	}
	sort.Strings(values)
	out := make([]cobra.Completion, 0, len(values))
	for _, v := range values {
		out = append(out, cobra.CompletionWithDesc(v, c.desc[v]))
	}
	return out
}

// exampleCompletion gives cobra's completion command and its per-shell
// subcommands examples, including kubectl's plugin completion.
func exampleCompletion(c *cobra.Command) {
	c.Example = `  # bash, this shell; add it to ~/.bashrc to keep it
  source <(berth completion bash)

  # zsh, fish, PowerShell
  berth completion zsh > "${fpath[1]}/_berth"
  berth completion fish > ~/.config/fish/completions/berth.fish
  berth completion powershell | Out-String | Invoke-Expression

  # "kubectl berth <TAB>": kubectl asks kubectl_complete-berth
  ln -s "$(command -v kubectl-berth)" "$(dirname "$(command -v kubectl-berth)")/kubectl_complete-berth"`
	examples := map[string]string{
		"bash":       "  source <(berth completion bash)\n  berth completion bash > /etc/bash_completion.d/berth",
		"zsh":        "  berth completion zsh > \"${fpath[1]}/_berth\"",
		"fish":       "  berth completion fish > ~/.config/fish/completions/berth.fish",
		"powershell": "  berth completion powershell | Out-String | Invoke-Expression",
	}
	for _, sub := range c.Commands() {
		sub.Example = examples[sub.Name()]
	}
}
