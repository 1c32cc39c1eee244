package main

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/berth-dev/berth/envs"
)

// A setting is a value the user can choose at up to four levels, highest
// first: a flag, a BERTH_* environment variable, berth.yaml, and berth's
// default. Commands without the flag still honour the variable.
type setting struct {
	flag string // flag name; "" when there is none (BERTH_WEBHOOK)
	env  string // environment variable
	// set stores the value in berth.yaml's field; nil for settings that
	// exist only as flags (branch, tag).
	set func(cfg *envs.Config, v string) error
}

// envWebhook is the environment variable that can carry the webhook URL
// (e.g. from a Secret in the gc CronJob).
const envWebhook = "BERTH_WEBHOOK"

// lookupFunc looks an environment variable up, like os.LookupEnv.
type lookupFunc func(string) (string, bool)

// settings lists every setting with its flag and variable.
func settings() []setting {
	return []setting{
		{flag: "branch", env: "BERTH_BRANCH"},
		{flag: "tag", env: "BERTH_TAG"},
		{flag: "project", env: "BERTH_PROJECT", set: func(c *envs.Config, v string) error {
			if errs := validation.IsDNS1123Label(v); len(errs) > 0 {
				return fmt.Errorf("%q: %s", v, errs[0])
			}
			c.Project = v
			return nil
		}},
		{flag: "prefix", env: "BERTH_PREFIX", set: func(c *envs.Config, v string) error {
			c.Prefix = v
			return nil
		}},
		{flag: "registry", env: "BERTH_REGISTRY", set: func(c *envs.Config, v string) error {
			c.Registry = v
			return nil
		}},
		{flag: "ttl", env: "BERTH_TTL", set: durationSetter(func(c *envs.Config) *envs.Duration { return &c.TTL })},
		{flag: "idle-sleep", env: "BERTH_IDLE_SLEEP", set: durationSetter(func(c *envs.Config) *envs.Duration { return &c.IdleSleep })},
		{env: envWebhook, set: func(c *envs.Config, v string) error {
			c.Webhook = v
			return nil
		}},
	}
}

// durationSetter parses a berth duration (30m, 8h, 7d, 0) into a field.
func durationSetter(field func(*envs.Config) *envs.Duration) func(*envs.Config, string) error {
	return func(c *envs.Config, v string) error {
		d, err := envs.ParseDuration(v)
		if err != nil || d < 0 {
			return fmt.Errorf("%q: want a duration like 30m, 8h or 7d, or 0 for never", v)
		}
		*field(c) = d
		return nil
	}
}

// bindEnv gives the flag-only settings of fs (--branch, --tag) that were
// not on the command line the value of their BERTH_* variable, so commands
// read one value: flags win over the environment. (Settings backed by
// berth.yaml are laid over it by applySettings, which names the variable
// in errors.) A bad value is a usage error naming the variable.
func bindEnv(fs *pflag.FlagSet, lookup lookupFunc) error {
	for _, s := range settings() {
		f := flagOf(fs, s.flag)
		if s.set != nil || f == nil || f.Changed {
			continue
		}
		v, ok := lookup(s.env)
		if !ok || v == "" {
			continue
		}
		if err := fs.Set(s.flag, v); err != nil {
			return usageError("%s=%s: %v", s.env, v, err)
		}
	}
	return nil
}

// flagOnlySettings returns the flag-only settings (branch, tag) for fs,
// for commands that have the flags (up) and those that do not (down,
// status, the UI): the flag when set (bindEnv has put the variable there
// when it was not given), else its BERTH_* variable.
func flagOnlySettings(fs *pflag.FlagSet, lookup lookupFunc) envs.Overrides {
	return envs.Overrides{Branch: flagOnly(fs, lookup, "branch"), Tag: flagOnly(fs, lookup, "tag")}
}

// flagOnly is the value of the flag-only setting name (see flagOnlySettings).
func flagOnly(fs *pflag.FlagSet, lookup lookupFunc, name string) string {
	if f := flagOf(fs, name); f != nil && f.Value.String() != "" {
		return f.Value.String()
	}
	for _, s := range settings() {
		if s.flag == name {
			v, _ := lookup(s.env)
			return v
		}
	}
	return ""
}

// applySettings lays flags and BERTH_* variables over cfg, which holds
// berth.yaml over the defaults: the flag when given, else the variable,
// else cfg stays. The result is
// validated; an invalid value is a usage error naming its source.
func applySettings(cfg *envs.Config, fs *pflag.FlagSet, lookup lookupFunc, log *slog.Logger) error {
	for _, s := range settings() {
		if s.set == nil {
			continue
		}
		source, v := "", ""
		if f := flagOf(fs, s.flag); f != nil && f.Changed {
			source, v = "--"+s.flag, f.Value.String()
		} else if ev, ok := lookup(s.env); ok && ev != "" {
			source, v = s.env, ev
		} else {
			continue
		}
		if err := s.set(cfg, strings.TrimSpace(v)); err != nil {
			return usageError("%s %v", source, err)
		}
		if err := cfg.Validate(); err != nil {
			return usageError("%s: %v", source, err)
		}
		if log != nil {
			log.Debug("setting", "env", s.env, "value", v, "from", source)
		}
	}
	return nil
}

// flagOf is fs.Lookup that tolerates a nil set and an empty name.
func flagOf(fs *pflag.FlagSet, name string) *pflag.Flag {
	if fs == nil || name == "" {
		return nil
	}
	return fs.Lookup(name)
}
