package envs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/berth-dev/berth/cost"
)

// maxConfigNodes bounds the values in berth.yaml, aliases expanded.
const maxConfigNodes = 10000

// ConfigFile is the name of berth's configuration file at the repo root.
const ConfigFile = "berth.yaml"

// Config is berth.yaml. Every field has a default (see DefaultConfig); a
// field given in the file replaces its default as a whole (maps and lists
// are not merged), so `tolerations: []` means no tolerations.
type Config struct {
	// Project names the app; it is part of every namespace and meta.LabelProject.
	// Default: the slug of the directory holding berth.yaml.
	Project string `yaml:"project,omitempty"`
	// Compose lists the compose files, relative to the repo root.
	// Empty: the compose defaults (compose.yaml, docker-compose.yml, ...).
	Compose []string `yaml:"compose,omitempty"`
	// Base is a directory holding the output of `berth convert` (a
	// kustomize tree) to deploy instead of converting the compose files.
	Base string `yaml:"base,omitempty"`
	// Registry, when set, prefixes the app's own images: web → <registry>/web.
	// images.registry is its newer spelling.
	Registry string `yaml:"registry,omitempty"`
	// Images are the registry check before apply and the builder of
	// missing images (see Images).
	Images Images `yaml:"images,omitempty"`
	// Prefix starts every namespace: <prefix>-<project>-<branch>. Default "dev".
	Prefix string `yaml:"prefix"`
	// Spot places the workloads on spot capacity.
	Spot Spot `yaml:"spot"`
	// Quota bounds what one environment may use.
	Quota Quota `yaml:"quota"`
	// TTL is how long an environment lives after its last deploy before gc
	// deletes it; 0 keeps it forever. Default 7d.
	TTL Duration `yaml:"ttl"`
	// IdleSleep is how long an environment may go without a deploy before gc
	// scales it to zero; 0 never. Default 8h.
	IdleSleep Duration `yaml:"idleSleep"`
	// Webhook receives Slack-compatible JSON on up results and gc actions.
	Webhook string `yaml:"webhook,omitempty"`
	// External maps the app's external volumes, secrets and configs to what
	// an environment uses instead (see External).
	External External `yaml:"external,omitempty"`
	// DeveloperGroup is the group `berth up` grants full rights inside each
	// environment: a RoleBinding to the ClusterRole DeveloperEnvRole (see
	// deploy/rbac). Default DefaultDeveloperGroup.
	DeveloperGroup string `yaml:"developerGroup,omitempty"`

	// Domain, when set, gives each environment its own URLs: every Ingress
	// host is rewritten to the env's host under it (see HostPattern), and
	// services with published ports and no ingress get one (see urls.go).
	Domain string `yaml:"domain,omitempty"`
	// HostPattern makes a service's host in an env from {service}, {env}
	// (the branch slug), {project} and {domain}. Default DefaultHostPattern.
	HostPattern string `yaml:"hostPattern,omitempty"`
	// IngressClassName, when set, is the class of every env Ingress.
	IngressClassName string `yaml:"ingressClassName,omitempty"`
	// TLS serves the env Ingresses over https (see TLS).
	TLS TLS `yaml:"tls,omitempty"`
	// Gateway, when set, routes the env hosts with Gateway API HTTPRoutes
	// attached to its parentRefs instead of Ingresses.
	Gateway *Gateway `yaml:"gateway,omitempty"`

	// Baseline is the env a branch borrows its unchanged services from in
	// changed mode (see Baseline).
	Baseline Baseline `yaml:"baseline,omitempty"`

	// Pricing is the price table of environments' cost (ls, status, the
	// TUI, gc). Default cost.Default(); instances given replace its list.
	Pricing cost.Table `yaml:"pricing"`
}

// Spot is the placement of workloads on spot nodes: a required node
// affinity on every NodeLabels pair and the Tolerations.
type Spot struct {
	Enabled     bool              `yaml:"enabled"`
	NodeLabels  map[string]string `yaml:"nodeLabels"`
	Tolerations []Toleration      `yaml:"tolerations"`
}

// Toleration is a pod toleration, as in the Kubernetes API.
type Toleration struct {
	Key      string `yaml:"key"`
	Operator string `yaml:"operator,omitempty"` // Equal (default) or Exists
	Value    string `yaml:"value,omitempty"`
	Effect   string `yaml:"effect,omitempty"` // NoSchedule, PreferNoSchedule, NoExecute or "" (all)
}

// Quota is the ResourceQuota and LimitRange of every environment.
type Quota struct {
	Enabled bool `yaml:"enabled"`
	// Hard is the ResourceQuota's spec.hard. Left out (or empty), up sizes
	// it from the app (see rollout.SizedHard), capped by Ceiling.
	Hard map[string]Quantity `yaml:"hard,omitempty"`
	// Ceiling caps the quota up sizes from the app: an app that needs more
	// fails its preflight. Default DefaultQuotaCeiling.
	Ceiling map[string]Quantity `yaml:"ceiling"`
	// DefaultLimits and DefaultRequests are the LimitRange's container
	// defaults, for containers that set none.
	DefaultLimits   map[string]Quantity `yaml:"defaultLimits"`
	DefaultRequests map[string]Quantity `yaml:"defaultRequests"`
	// Lines are the berth.yaml lines of the entries of Hard and Ceiling,
	// keyed "hard.<resource>" and "ceiling.<resource>"; defaults have none.
	Lines map[string]int `yaml:"-"`
}

// Spot capacity label and defaults (Karpenter).
const (
	SpotCapacityLabel = "karpenter.sh/capacity-type"
	SpotCapacityValue = "spot"
)

// DefaultConfig returns the configuration used where berth.yaml is silent.
func DefaultConfig() Config {
	c := Config{Prefix: "dev", TTL: 7 * Day, IdleSleep: Duration(8 * hour), Pricing: cost.Default()}
	c.Spot.Enabled = true
	c.Quota.Enabled = true
	c.fillDefaults()
	return c
}

// fillDefaults sets the maps and lists the file left out (nil).
func (c *Config) fillDefaults() {
	if c.DeveloperGroup == "" {
		c.DeveloperGroup = DefaultDeveloperGroup
	}
	if c.Pricing.Instances == nil {
		c.Pricing.Instances = cost.Default().Instances
	}
	if c.Spot.NodeLabels == nil {
		c.Spot.NodeLabels = map[string]string{SpotCapacityLabel: SpotCapacityValue}
	}
	if c.Spot.Tolerations == nil {
		c.Spot.Tolerations = []Toleration{{Key: SpotCapacityLabel, Operator: "Equal", Value: SpotCapacityValue, Effect: "NoSchedule"}}
	}
	if len(c.Quota.Hard) == 0 {
		c.Quota.Hard = nil // sized
	}
	if c.Quota.Ceiling == nil {
		c.Quota.Ceiling = DefaultQuotaCeiling()
	}
	if c.Quota.DefaultLimits == nil {
		c.Quota.DefaultLimits = map[string]Quantity{"cpu": "500m", "memory": "512Mi"}
	}
	if c.Quota.DefaultRequests == nil {
		c.Quota.DefaultRequests = map[string]Quantity{"cpu": "50m", "memory": "128Mi"}
	}
}

// LoadConfig reads berth.yaml at path. A missing file gives the defaults.
// The project defaults to the slug of the file's directory.
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return Config{}, fmt.Errorf("read config: %w", err)
	}
	cfg, err := ParseConfig(data)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	if cfg.Project == "" {
		abs, err := filepath.Abs(path)
		if err != nil {
			return Config{}, fmt.Errorf("config path: %w", err)
		}
		cfg.Project = truncate(Slug(filepath.Base(filepath.Dir(abs))), maxLabel)
	}
	return cfg, nil
}

// ParseConfig parses the contents of berth.yaml over the defaults. Unknown
// fields and invalid values are errors naming the field and its line.
func ParseConfig(data []byte) (Config, error) {
	cfg := DefaultConfig()
	cfg.Spot.NodeLabels, cfg.Spot.Tolerations = nil, nil
	cfg.Quota = Quota{Enabled: true}
	cfg.Pricing.Instances = nil
	var root yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&root); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, fmt.Errorf("parse: %w", err)
	}
	doc := &root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		doc = doc.Content[0]
	}
	if doc.Kind != 0 && !isNull(doc) {
		if doc.Kind != yaml.MappingNode {
			return Config{}, fmt.Errorf("line %d: berth.yaml must be a mapping of fields", doc.Line)
		}
		budget := maxConfigNodes
		if err := checkNode(doc, reflect.TypeOf(cfg), "", &budget); err != nil {
			return Config{}, err
		}
		if err := doc.Decode(&cfg); err != nil {
			return Config{}, fmt.Errorf("decode: %w", err)
		}
	}
	cfg.fillDefaults()
	if err := cfg.resolveImages(); err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			fe.Line = lineOf(doc, fe.Field)
		}
		return Config{}, err
	}
	cfg.Quota.Lines = quotaLines(doc)
	cfg.External.locate(doc)
	if err := cfg.Validate(); err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			fe.Line = lineOf(doc, fe.Field)
		}
		return Config{}, err
	}
	return cfg, nil
}

// FieldError is an invalid value in berth.yaml.
type FieldError struct {
	Field string // dotted path, e.g. "spot.tolerations[0].effect"
	Line  int    // 0 when unknown
	Msg   string
}

func (e *FieldError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s: %s", e.Line, e.Field, e.Msg)
	}
	return e.Field + ": " + e.Msg
}

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Validate checks the values a file cannot express wrongly by type alone.
func (c Config) Validate() error {
	if c.Project != "" && len(validation.IsDNS1123Label(c.Project)) > 0 {
		return fieldErr("project", "%q must be lowercase letters, digits and '-' (at most 63), e.g. %q", c.Project, truncate(Slug(c.Project), maxLabel))
	}
	if c.Prefix != "" && (Slug(c.Prefix) != c.Prefix || len(c.Prefix) > 30) {
		return fieldErr("prefix", "%q must be lowercase letters, digits and '-' (at most 30)", c.Prefix)
	}
	for i, f := range c.Compose {
		if strings.TrimSpace(f) == "" {
			return fieldErr(fmt.Sprintf("compose[%d]", i), "empty file name")
		}
	}
	if c.Registry != "" && (strings.Contains(c.Registry, "://") || strings.ContainsAny(c.Registry, " \t\n") || strings.HasSuffix(c.Registry, "/")) {
		return fieldErr("registry", "%q must be a registry host and optional path, like ghcr.io/acme", c.Registry)
	}
	if c.Webhook != "" {
		u, err := url.Parse(c.Webhook)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			// Never echo the value: webhook URLs carry their credentials.
			return fieldErr("webhook", "must be an http(s) URL (value not shown: webhook URLs are secrets)")
		}
	}
	if c.TTL < 0 {
		return fieldErr("ttl", "must not be negative")
	}
	if c.IdleSleep < 0 {
		return fieldErr("idleSleep", "must not be negative")
	}
	for _, k := range sortedKeys(c.Spot.NodeLabels) {
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			return fieldErr("spot.nodeLabels."+k, "invalid label key: %s", strings.Join(errs, "; "))
		}
		if errs := validation.IsValidLabelValue(c.Spot.NodeLabels[k]); len(errs) > 0 {
			return fieldErr("spot.nodeLabels."+k, "invalid label value: %s", strings.Join(errs, "; "))
		}
	}
	for i, t := range c.Spot.Tolerations {
		field := fmt.Sprintf("spot.tolerations[%d]", i)
		switch t.Operator {
		case "", "Equal":
		case "Exists":
			if t.Value != "" {
				return fieldErr(field+".value", "must be empty with operator Exists")
			}
		default:
			return fieldErr(field+".operator", "%q must be Equal or Exists", t.Operator)
		}
		switch t.Effect {
		case "", "NoSchedule", "PreferNoSchedule", "NoExecute":
		default:
			return fieldErr(field+".effect", "%q must be NoSchedule, PreferNoSchedule or NoExecute", t.Effect)
		}
		if t.Key == "" && t.Operator != "Exists" {
			return fieldErr(field+".key", "empty key needs operator Exists")
		}
		if t.Key != "" && len(validation.IsQualifiedName(t.Key)) > 0 {
			return fieldErr(field+".key", "%q is not a valid label key", t.Key)
		}
	}
	if err := c.validateURLs(); err != nil {
		return err
	}
	if err := c.Images.validate(); err != nil {
		return err
	}
	if err := c.Baseline.validate(); err != nil {
		return err
	}
	var pe *cost.FieldError
	if err := c.Pricing.Validate(); errors.As(err, &pe) {
		return fieldErr("pricing."+pe.Field, "%s", pe.Msg)
	}
	return c.External.validate()
}

// checkNode reports the first key in n that t does not have, and the first
// Duration or Quantity that does not parse, with its path and line.
// budget bounds the nodes visited, so aliases cannot blow it up.
func checkNode(n *yaml.Node, t reflect.Type, path string, budget *int) error {
	if *budget--; *budget < 0 {
		return fmt.Errorf("line %d: %s: too many values (aliases?); berth.yaml allows %d", n.Line, displayPath(path), maxConfigNodes)
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if isNull(n) && t != reflect.TypeOf(Quantity("")) {
		return nil // keeps the default
	}
	switch t {
	case reflect.TypeOf(Duration(0)):
		if _, err := ParseDuration(n.Value); err != nil || n.Kind != yaml.ScalarNode {
			return fmt.Errorf("line %d: %s: invalid duration %q (use e.g. 30m, 8h, 7d, or 0 for never)", n.Line, path, n.Value)
		}
		return nil
	case reflect.TypeOf(Quantity("")):
		if _, err := resource.ParseQuantity(n.Value); err != nil || n.Kind != yaml.ScalarNode {
			return fmt.Errorf("line %d: %s: invalid quantity %q (use e.g. 500m, 2, 512Mi)", n.Line, path, n.Value)
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return fmt.Errorf("line %d: %s: want a mapping of fields", n.Line, displayPath(path))
		}
		fields := map[string]reflect.Type{}
		var names []string
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "" || name == "-" {
				continue
			}
			fields[name] = f.Type
			names = append(names, name)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			ft, ok := fields[k.Value]
			if !ok {
				return fmt.Errorf("line %d: unknown field %q (%s has: %s)", k.Line, join(path, k.Value), displayPath(path), strings.Join(names, ", "))
			}
			if err := checkNode(v, ft, join(path, k.Value), budget); err != nil {
				return err
			}
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return fmt.Errorf("line %d: %s: want a mapping", n.Line, path)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if err := checkNode(n.Content[i+1], t.Elem(), join(path, n.Content[i].Value), budget); err != nil {
				return err
			}
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return fmt.Errorf("line %d: %s: want a list", n.Line, path)
		}
		for i, c := range n.Content {
			if err := checkNode(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i), budget); err != nil {
				return err
			}
		}
	case reflect.Float64:
		if _, err := strconv.ParseFloat(n.Value, 64); err != nil || n.Kind != yaml.ScalarNode {
			return fmt.Errorf("line %d: %s: invalid number %q", n.Line, path, n.Value)
		}
	default:
		if n.Kind != yaml.ScalarNode {
			return fmt.Errorf("line %d: %s: want a single value", n.Line, path)
		}
	}
	return nil
}

// lineOf returns the line of the value at a dotted path in n, 0 if absent.
func lineOf(n *yaml.Node, path string) int {
	line := 0
	for _, part := range strings.Split(path, ".") {
		name, idx, _ := strings.Cut(part, "[")
		if n == nil || n.Kind != yaml.MappingNode {
			return line
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == name {
				next, line = n.Content[i+1], n.Content[i].Line
			}
		}
		n = next
		if idx != "" && n != nil && n.Kind == yaml.SequenceNode {
			var i int
			if _, err := fmt.Sscanf(idx, "%d]", &i); err == nil && i < len(n.Content) {
				n, line = n.Content[i], n.Content[i].Line
			}
		}
	}
	return line
}

// quotaLines returns the lines of the entries of quota.hard and
// quota.ceiling in doc, keyed "hard.<resource>" and "ceiling.<resource>"
// (resource names hold dots, so lineOf's dotted paths cannot reach them).
func quotaLines(doc *yaml.Node) map[string]int {
	var lines map[string]int
	quota := mappingValue(doc, "quota")
	for _, field := range []string{"hard", "ceiling"} {
		m := mappingValue(quota, field)
		if m == nil || m.Kind != yaml.MappingNode {
			continue
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			if lines == nil {
				lines = map[string]int{}
			}
			lines[field+"."+m.Content[i].Value] = m.Content[i].Line
		}
	}
	return lines
}

// mappingValue returns the value of key in the mapping n (aliases
// followed), or nil.
func mappingValue(n *yaml.Node, key string) *yaml.Node {
	if n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			v := n.Content[i+1]
			if v.Kind == yaml.AliasNode {
				v = v.Alias
			}
			return v
		}
	}
	return nil
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func displayPath(path string) string {
	if path == "" {
		return ConfigFile
	}
	return path
}

func truncate(s string, n int) string {
	if len(s) > n {
		s = strings.TrimRight(s[:n], "-")
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
