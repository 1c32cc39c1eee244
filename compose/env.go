package compose

import (
	"bytes"
	"errors"
	"io/fs"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/dotenv"
	corev1 "k8s.io/api/core/v1"
)

// environment maps environment (resolved against the project environment)
// to env, and each env_file to a shared ConfigMap loaded with envFrom.
func (c *converter) environment(pl *plan) ([]corev1.EnvVar, []corev1.EnvFromSource, error) {
	s := pl.s
	var env []corev1.EnvVar
	for _, k := range sortedKeys(s.Environment) {
		v := s.Environment[k]
		if v == nil {
			val, ok := c.p.Environment[k]
			if !ok {
				c.warn.add(s.Name, "environment."+k, "no value and not set in the environment; skipped")
				continue
			}
			v = &val
		}
		env = append(env, corev1.EnvVar{Name: k, Value: escapeK8sVars(*v)})
	}
	var from []corev1.EnvFromSource
	for i, ef := range s.EnvFiles {
		name, inline, err := c.envFileConfigMap(s.Name, i, ef.Path, bool(ef.Required), ef.Format)
		if err != nil {
			return nil, nil, err
		}
		if name != "" {
			from = append(from, corev1.EnvFromSource{ConfigMapRef: &corev1.ConfigMapEnvSource{
				LocalObjectReference: corev1.LocalObjectReference{Name: name},
			}})
		}
		// values an env file cannot carry through kustomize go inline,
		// unless environment sets them already
		have := map[string]bool{}
		for _, e := range env {
			have[e.Name] = true
		}
		for _, k := range sortedKeys(inline) {
			if !have[k] {
				env = append(env, corev1.EnvVar{Name: k, Value: escapeK8sVars(inline[k])})
			}
		}
	}
	sort.SliceStable(env, func(i, j int) bool { return env[i].Name < env[j].Name })
	return env, from, nil
}

// envFileConfigMap registers the shared ConfigMap generator of an env file
// and returns its name, plus the values kustomize's env format cannot hold.
func (c *converter) envFileConfigMap(service string, idx int, path string, required bool, format string) (string, map[string]string, error) {
	key := "env_file." + itoa(int32(idx))
	data, err := c.fs.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && !required {
		return "", nil, nil
	}
	if err != nil {
		return "", nil, c.fail(service, key, err)
	}
	rel := c.relToProject(path)
	name := c.uniqueConfigMapName(dnsName("env-"+strings.TrimPrefix(rel, "./"), 52), path)
	if g, ok := c.cmGens[name]; ok {
		return name, g.inline, nil
	}
	if format != "" && format != "raw" {
		c.warn.add(service, key, "format %q read as a dotenv file", format)
	}
	var vals map[string]string
	if format == "raw" {
		vals = map[string]string{}
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(strings.TrimRight(line, "\r"), "="); ok && strings.TrimSpace(k) != "" {
				vals[strings.TrimSpace(k)] = v
			}
		}
	} else {
		vals, err = dotenv.ParseWithLookup(bytes.NewReader(data), func(k string) (string, bool) {
			v, ok := c.p.Environment[k]
			return v, ok
		})
		if err != nil {
			return "", nil, c.fail(service, key, err)
		}
	}
	var buf bytes.Buffer
	inline := map[string]string{}
	for _, k := range sortedKeys(vals) {
		v := vals[k]
		if !envFileSafe(k, v) {
			inline[k] = v
			continue
		}
		buf.WriteString(k)
		buf.WriteByte('=')
		buf.WriteString(v)
		buf.WriteByte('\n')
	}
	file := "env/" + name + ".env"
	c.files[file] = buf.Bytes()
	c.cmGens[name] = &generator{name: name, envs: []string{file}, source: path, inline: inline}
	return name, inline, nil
}

// envFileSafe reports values kustomize's env-file reader keeps unchanged:
// one line, no surrounding whitespace or quotes, and a valid key.
func envFileSafe(k, v string) bool {
	if k == "" || strings.ContainsAny(k, "= \t\r\n#") {
		return false
	}
	if strings.ContainsAny(v, "\r\n") || strings.TrimSpace(v) != v {
		return false
	}
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return false
	}
	return true
}
