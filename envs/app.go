package envs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-dev/berth/compose"
)

// App is a deployable app: berth.yaml, the git state of its repo, and its
// kustomize tree (converted from compose in memory, or read from Config.Base).
type App struct {
	Root     string            // directory holding berth.yaml (or the repo root)
	Config   Config            // berth.yaml over the defaults
	Git      GitInfo           // zero when Root is not in a git repo
	GitErr   error             // why Git is zero
	Files    map[string][]byte // the kustomize tree, paths relative to its root
	BaseDir  string            // the kustomization the env overlay builds on
	Warnings []compose.Warning // conversion warnings
	Builds   []compose.Build   // images built from source; none for a base: tree
	// Services says where each service's objects are in a converted tree
	// (by meta.LabelService); nil for a base: tree.
	Services map[string]compose.ServiceFile

	prints  map[string]string // SourcePrints, once
	digests ContextDigest     // build contexts read, each once
}

// contextDigest reads the app's build contexts (DirDigest), each once for
// the App's life.
func (a *App) contextDigest() ContextDigest {
	if a.digests == nil {
		a.digests = DirDigest(a.Root)
	}
	return a.digests
}

// AppOptions say where the app is and how to read its compose files.
type AppOptions struct {
	Dir      string   // a directory inside the app; default the working directory
	Files    []string // compose files instead of berth.yaml's
	Profiles []string
	EnvFiles []string
}

// LoadApp finds berth.yaml (walking up from Dir to the git root), reads the
// git state, and builds the app's kustomize tree.
func LoadApp(ctx context.Context, o AppOptions) (*App, error) {
	dir := o.Dir
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		dir = wd
	}
	root, err := FindRoot(dir)
	if err != nil {
		return nil, err
	}
	cfg, err := LoadConfig(filepath.Join(root, ConfigFile))
	if err != nil {
		return nil, err
	}
	a := &App{Root: root, Config: cfg}
	a.Git, a.GitErr = ResolveGit(root)
	if cfg.Base != "" && len(o.Files) == 0 {
		files, err := ReadTree(filepath.Join(root, cfg.Base))
		if err != nil {
			return nil, fmt.Errorf("%s: base %s: %w", ConfigFile, cfg.Base, err)
		}
		a.Files = files
	} else {
		files := o.Files
		if len(files) == 0 {
			files = cfg.Compose
		}
		p, err := compose.Load(ctx, compose.LoadOptions{WorkingDir: root, Files: files, Profiles: o.Profiles, EnvFiles: o.EnvFiles})
		if err != nil {
			return nil, err
		}
		b, err := compose.Convert(p, compose.Options{Objects: true})
		if err != nil {
			return nil, err
		}
		a.Files, a.Warnings, a.Builds, a.Services = b.Files, b.Warnings, b.Builds, b.Services
		// Build on the converted base, not its dev overlay: placement then
		// comes only from berth.yaml's spot settings (PlaceOnSpot), so
		// custom spot labels never stack on the overlay's Karpenter ones.
		a.BaseDir = "base"
		return a, nil
	}
	a.BaseDir = DefaultBaseDir(a.Files)
	return a, nil
}

// Env resolves the environment of the current branch (or o.Branch).
func (a *App) Env(o Overrides, now time.Time) (Env, error) {
	if a.GitErr != nil && o.Branch == "" {
		return Env{}, fmt.Errorf("no branch: %w (pass --branch)", a.GitErr)
	}
	return Resolve(a.Config, a.Git, o, now)
}

// Render builds the objects of env: the overlay over the app's tree, with
// its sops-encrypted secrets decrypted in memory (DecryptSecrets), each
// workload fingerprinted (Fingerprint; own images by their build context
// under Root).
func (a *App) Render(env Env) ([]*unstructured.Unstructured, error) {
	return a.RenderContext(context.Background(), env)
}

// RenderContext is Render with ctx bounding the KMS calls that decrypt
// the app's secrets.
func (a *App) RenderContext(ctx context.Context, env Env) ([]*unstructured.Unstructured, error) {
	return a.render(ctx, env, a.Files, nil)
}

// render renders env over tree (a.Files or a part of it, the rest in
// left): decrypted, built, fingerprinted, and each workload marked with
// its service's source print.
func (a *App) render(ctx context.Context, env Env, tree map[string][]byte, left []*unstructured.Unstructured) ([]*unstructured.Unstructured, error) {
	prints, err := a.SourcePrints()
	if err != nil {
		return nil, err
	}
	files, err := DecryptSecrets(ctx, tree, a.BaseDir)
	if err != nil {
		return nil, err
	}
	objs, err := overlay(files, a.BaseDir, env, a.Config, false, left)
	if err == nil {
		err = Fingerprint(objs, env, a.contextDigest())
	}
	if err == nil {
		markSources(objs, prints)
	}
	return objs, ScrubDecrypted(err, tree, files)
}

// FindRoot returns the app's root: the nearest directory from dir upwards
// holding berth.yaml, not looking above the git root; else the git root;
// else dir. LoadApp and the commands that only need berth.yaml use it.
func FindRoot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, ConfigFile)); err == nil {
			return d, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return abs, nil
		}
	}
}
