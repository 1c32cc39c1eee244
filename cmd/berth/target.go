package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/k8s"
)

// targetFlags pick the project and environment of down, sleep, wake and
// status without loading the app's compose files.
type targetFlags struct {
	dir     string
	project string
	prefix  string
	env     string         // --env of forward, exec and logs (registerEnv)
	flags   *pflag.FlagSet // the command's flags, for applySettings
	lookup  lookupFunc     // the environment; os.LookupEnv once registered
}

func (f *targetFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	f.flags = fl
	f.lookup = os.LookupEnv
	fl.StringVar(&f.dir, "dir", "", "directory of the app (default: the working directory; berth.yaml is looked up to the git root)")
	fl.StringVar(&f.project, "project", "", "project instead of berth.yaml's ($BERTH_PROJECT)")
	fl.StringVar(&f.prefix, "prefix", "", "namespace prefix instead of berth.yaml's ($BERTH_PREFIX)")
}

// registerEnv adds --env/-e, which names the environment of a command whose
// arguments name something else (forward, exec, logs): a branch or
// namespace, as status's argument. Completion comes from completion.go.
func (f *targetFlags) registerEnv(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&f.env, "env", "e", "", "environment: a branch or namespace (default: $BERTH_BRANCH, else the current branch)")
}

// config reads berth.yaml (nearest up from dir, not above the git root;
// defaults when there is none) and returns it with its directory.
func (f *targetFlags) config() (envs.Config, string, error) {
	dir := f.dir
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return envs.Config{}, "", err
		}
		dir = wd
	}
	root, err := envs.FindRoot(dir)
	if err != nil {
		return envs.Config{}, "", err
	}
	cfg, err := envs.LoadConfig(filepath.Join(root, envs.ConfigFile))
	if err != nil {
		return envs.Config{}, "", err
	}
	if err := applySettings(&cfg, f.flags, f.lookup, nil); err != nil {
		return envs.Config{}, "", err
	}
	return cfg, root, nil
}

// resolve returns the namespace and project of the environment args name:
// an existing namespace, else a branch of the project; no argument means
// $BERTH_BRANCH, else the current git branch.
func (f *targetFlags) resolve(ctx context.Context, c *k8s.Client, args []string) (namespace, project string, err error) {
	cfg, root, err := f.config()
	if err != nil {
		return "", "", err
	}
	if len(args) > 0 && args[0] != "" {
		arg := args[0]
		if len(validation.IsDNS1123Label(arg)) == 0 {
			_, err := c.Typed.CoreV1().Namespaces().Get(ctx, arg, metav1.GetOptions{})
			switch {
			case err == nil:
				return arg, cfg.Project, nil
			case !apierrors.IsNotFound(err):
				return "", "", fmt.Errorf("get namespace %s: %w", arg, err)
			}
		}
		return envs.Namespace(cfg.Prefix, cfg.Project, arg), cfg.Project, nil
	}
	if b := flagOnlySettings(f.flags, f.lookup).Branch; b != "" {
		return envs.Namespace(cfg.Prefix, cfg.Project, b), cfg.Project, nil
	}
	g, err := envs.ResolveGit(root)
	if err != nil {
		return "", "", usageError("no branch given and %v", err)
	}
	if g.Branch == "" {
		return "", "", errors.New("no branch: HEAD has none; name the branch or namespace")
	}
	return envs.Namespace(cfg.Prefix, cfg.Project, g.Branch), cfg.Project, nil
}

// targetOptions are the options of a command acting on one environment
// (down, status, sleep, wake): the flags that pick it and, once Complete
// ran, the environment and the client that reaches it.
type targetOptions struct {
	*globalOptions
	target targetFlags

	// set by Complete
	client             *k8s.Client
	namespace, project string
}

// Complete builds the client and resolves the environment args name (see
// resolve).
func (o *targetOptions) Complete(cmd *cobra.Command, args []string) error {
	c, err := k8s.NewClient(o.kube)
	if err != nil {
		return err
	}
	o.client = c
	o.namespace, o.project, err = o.target.resolve(cmd.Context(), c, args)
	return err
}
