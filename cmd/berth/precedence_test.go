package main

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/internal/testcluster"
)

// settingFlags is a flag set with every setting's flag, as up has them.
func settingFlags(t *testing.T, args ...string) *pflag.FlagSet {
	t.Helper()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	for _, s := range settings() {
		if s.flag != "" {
			fs.String(s.flag, "", "")
		}
	}
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return fs
}

func lookupIn(env map[string]string) lookupFunc {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

// Each berth.yaml-backed setting at each level: flags > BERTH_* > berth.yaml > defaults.
func TestSettingPrecedence(t *testing.T) {
	yaml := []byte("project: fromyaml\nprefix: yml\nregistry: yaml.example/acme\nttl: 3d\nidleSleep: 2h\nwebhook: https://yaml.example/hook\n")
	type view struct {
		project, prefix, registry string
		ttl, idle                 envs.Duration
		webhook                   string
	}
	get := func(c envs.Config) view {
		return view{c.Project, c.Prefix, c.Registry, c.TTL, c.IdleSleep, c.Webhook}
	}
	d := func(s string) envs.Duration {
		v, err := envs.ParseDuration(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	def := envs.DefaultConfig()
	for _, tc := range []struct {
		name  string
		yaml  []byte
		env   map[string]string
		flags []string
		want  view
	}{
		{name: "defaults", want: view{"", "dev", "", def.TTL, def.IdleSleep, ""}},
		{name: "berth.yaml over defaults", yaml: yaml, want: view{"fromyaml", "yml", "yaml.example/acme", d("3d"), d("2h"), "https://yaml.example/hook"}},
		{name: "env over berth.yaml", yaml: yaml,
			env:  map[string]string{"BERTH_PROJECT": "fromenv", "BERTH_PREFIX": "env", "BERTH_REGISTRY": "env.example", "BERTH_TTL": "1d", "BERTH_IDLE_SLEEP": "30m", "BERTH_WEBHOOK": "https://env.example/hook"},
			want: view{"fromenv", "env", "env.example", d("1d"), d("30m"), "https://env.example/hook"}},
		{name: "flags over env", yaml: yaml,
			env:   map[string]string{"BERTH_PROJECT": "fromenv", "BERTH_PREFIX": "env", "BERTH_REGISTRY": "env.example", "BERTH_TTL": "1d", "BERTH_IDLE_SLEEP": "30m"},
			flags: []string{"--project", "fromflag", "--prefix", "flg", "--registry", "flag.example", "--ttl", "12h", "--idle-sleep", "0"},
			want:  view{"fromflag", "flg", "flag.example", d("12h"), d("0"), "https://yaml.example/hook"}},
		{name: "empty env is unset", yaml: yaml, env: map[string]string{"BERTH_PREFIX": ""},
			want: view{"fromyaml", "yml", "yaml.example/acme", d("3d"), d("2h"), "https://yaml.example/hook"}},
		{name: "mixed levels", yaml: []byte("prefix: yml\n"), env: map[string]string{"BERTH_TTL": "2d"}, flags: []string{"--project", "p"},
			want: view{"p", "yml", "", d("2d"), def.IdleSleep, ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := envs.ParseConfig(tc.yaml)
			if err != nil {
				t.Fatal(err)
			}
			if err := applySettings(&cfg, settingFlags(t, tc.flags...), lookupIn(tc.env), nil); err != nil {
				t.Fatal(err)
			}
			if got := get(cfg); got != tc.want {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// A command without a setting's flag still honours its variable.
func TestSettingEnvWithoutFlag(t *testing.T) {
	cfg := envs.DefaultConfig()
	if err := applySettings(&cfg, pflag.NewFlagSet("ls", pflag.ContinueOnError), lookupIn(map[string]string{"BERTH_PREFIX": "ci"}), nil); err != nil {
		t.Fatal(err)
	}
	if cfg.Prefix != "ci" {
		t.Fatalf("prefix %q", cfg.Prefix)
	}
}

func TestInvalidSettingsAreUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		env   map[string]string
		flags []string
		want  string
	}{
		{env: map[string]string{"BERTH_TTL": "soon"}, want: "BERTH_TTL"},
		{env: map[string]string{"BERTH_IDLE_SLEEP": "-1h"}, want: "BERTH_IDLE_SLEEP"},
		{env: map[string]string{"BERTH_PREFIX": "Not_A_Label"}, want: "BERTH_PREFIX"},
		{env: map[string]string{"BERTH_PROJECT": "UPPER"}, want: "BERTH_PROJECT"},
		{env: map[string]string{"BERTH_WEBHOOK": "ftp://x"}, want: "BERTH_WEBHOOK"},
		{env: map[string]string{"BERTH_REGISTRY": "https://ghcr.io/"}, want: "BERTH_REGISTRY"},
		{flags: []string{"--ttl", "forever"}, want: "--ttl"},
		// A good flag wins over a bad variable, which is then never read.
		{env: map[string]string{"BERTH_TTL": "soon"}, flags: []string{"--ttl", "1d"}},
	} {
		cfg := envs.DefaultConfig()
		err := applySettings(&cfg, settingFlags(t, tc.flags...), lookupIn(tc.env), nil)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%v %v: %v", tc.env, tc.flags, err)
			}
			continue
		}
		var ce *exitCodeError
		if !errors.As(err, &ce) || ce.code != exitUsage || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: error %v; want a usage error naming %s", tc.env, tc.flags, err, tc.want)
		}
	}
}

// bindEnv fills flag-only settings (branch, tag) from BERTH_*; a flag on
// the command line wins.
func TestBindEnv(t *testing.T) {
	env := lookupIn(map[string]string{"BERTH_BRANCH": "feature/env", "BERTH_TAG": "v1"})
	fs := settingFlags(t, "--tag", "v2")
	if err := bindEnv(fs, env); err != nil {
		t.Fatal(err)
	}
	if b, _ := fs.GetString("branch"); b != "feature/env" {
		t.Errorf("branch %q, want BERTH_BRANCH's", b)
	}
	if tag, _ := fs.GetString("tag"); tag != "v2" {
		t.Errorf("tag %q, want the flag's", tag)
	}
	// berth.yaml-backed settings are left to applySettings.
	fs = settingFlags(t)
	if err := bindEnv(fs, lookupIn(map[string]string{"BERTH_PREFIX": "ci"})); err != nil {
		t.Fatal(err)
	}
	if fs.Changed("prefix") {
		t.Error("bindEnv set --prefix")
	}
}

// up's path: the app's berth.yaml, then BERTH_* and flags over it.
func TestUpAppSettings(t *testing.T) {
	dir := testcluster.ExampleRepo(t, "shop", "feature/x", nil)
	t.Setenv("BERTH_PREFIX", "ci")
	t.Setenv("BERTH_TTL", "1d")
	t.Setenv("BERTH_BRANCH", "feature/from-env")
	opts := &globalOptions{}
	cmd := newUpCmd(opts)
	if err := cmd.ParseFlags([]string{"--dir", dir, "--ttl", "2d"}); err != nil {
		t.Fatal(err)
	}
	if err := bindEnv(cmd.Flags(), os.LookupEnv); err != nil {
		t.Fatal(err)
	}
	cmd.SetContext(context.Background())
	if b, _ := cmd.Flags().GetString("branch"); b != "feature/from-env" {
		t.Fatalf("--branch %q after bindEnv", b)
	}
	app, err := (&appFlags{dir: dir}).load(cmd, opts)
	if err != nil {
		t.Fatal(err)
	}
	if app.Config.Project != "shop" || app.Config.Prefix != "ci" || app.Config.TTL.String() != "2d" {
		t.Fatalf("config: project %q prefix %q ttl %s; want shop (berth.yaml), ci (env), 2d (flag)", app.Config.Project, app.Config.Prefix, app.Config.TTL)
	}
	env, err := app.Env(envs.Overrides{Branch: "feature/from-env"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(env.Namespace, "ci-shop-feature-from-env") {
		t.Fatalf("namespace %s", env.Namespace)
	}
}

// Commands that name an env resolve BERTH_PREFIX, --prefix and
// BERTH_BRANCH like up does (checked against the cluster: the env is
// missing, and the error names the namespace looked for).
func TestTargetSettingsOnTheCluster(t *testing.T) {
	ctx := context.Background()
	dir := testcluster.ExampleRepo(t, "shop", "main", nil)
	t.Setenv("BERTH_PREFIX", "envp")
	_, _, stderr := berthAt(t, ctx, nil, "status", "--dir", dir, "--timeout", "20s")
	if !strings.Contains(stderr, "envp-shop-main") {
		t.Errorf("BERTH_PREFIX: %q", stderr)
	}
	_, _, stderr = berthAt(t, ctx, nil, "status", "--dir", dir, "--prefix", "flagp")
	if !strings.Contains(stderr, "flagp-shop-main") {
		t.Errorf("--prefix over BERTH_PREFIX: %q", stderr)
	}
	t.Setenv("BERTH_BRANCH", "feature/env")
	_, _, stderr = berthAt(t, ctx, nil, "status", "--dir", dir)
	if !strings.Contains(stderr, "envp-shop-feature-env") {
		t.Errorf("BERTH_BRANCH: %q", stderr)
	}
	_, _, stderr = berthAt(t, ctx, nil, "status", "other", "--dir", dir)
	if !strings.Contains(stderr, "envp-shop-other") {
		t.Errorf("argument over BERTH_BRANCH: %q", stderr)
	}
	t.Setenv("BERTH_PROJECT", "Bad Project")
	if code, _, stderr := berthAt(t, ctx, nil, "status", "--dir", dir); code != exitUsage || !strings.Contains(stderr, "BERTH_PROJECT") {
		t.Errorf("bad BERTH_PROJECT: exit %d, %q", code, stderr)
	}
}

// Branch and tag resolve like every setting: the flag when given, else
// BERTH_*, also for commands that have no such flag.
func TestFlagOnlySettings(t *testing.T) {
	env := lookupIn(map[string]string{"BERTH_BRANCH": "feature/env", "BERTH_TAG": "v1"})
	if got := flagOnlySettings(settingFlags(t, "--branch", "feature/flag"), env); got.Branch != "feature/flag" || got.Tag != "v1" {
		t.Errorf("with --branch: %+v; want the flag's branch and BERTH_TAG", got)
	}
	if got := flagOnlySettings(pflag.NewFlagSet("down", pflag.ContinueOnError), env); got.Branch != "feature/env" || got.Tag != "v1" {
		t.Errorf("without the flags: %+v; want BERTH_BRANCH and BERTH_TAG", got)
	}
	if got := flagOnlySettings(nil, lookupIn(nil)); got != (envs.Overrides{}) {
		t.Errorf("nothing set: %+v", got)
	}
}

// down/status/sleep/wake without an argument target BERTH_BRANCH, read
// through the settings (here a fake environment, not the process's).
func TestTargetBranchSetting(t *testing.T) {
	dir := testcluster.ExampleRepo(t, "shop", "main", nil)
	f := targetFlags{}
	f.register(&cobra.Command{Use: "down"})
	f.dir = dir
	f.lookup = lookupIn(map[string]string{"BERTH_BRANCH": "feature/env", "BERTH_PREFIX": "ci"})
	ns, project, err := f.resolve(context.Background(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := envs.Namespace("ci", "shop", "feature/env"); ns != want || project != "shop" {
		t.Errorf("namespace %q project %q; want %q shop", ns, project, want)
	}
	f.lookup = lookupIn(nil)
	if ns, _, err := f.resolve(context.Background(), nil, nil); err != nil || ns != envs.Namespace("dev", "shop", "main") {
		t.Errorf("without BERTH_BRANCH: %q, %v; want git's branch main", ns, err)
	}
}
