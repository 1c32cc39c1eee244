package secrets

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/berth-dev/berth/secrets/sopsfile"
)

// Rule is who a new file is encrypted for and how: the key groups and
// settings of a .sops.yaml creation rule, or of --age recipients.
type Rule struct {
	Source string // the .sops.yaml the rule is from, or "--age"
	// KeyGroups are the keys a new file is encrypted for (Type age or
	// kms); with several groups, each holds a Shamir part of the data key.
	KeyGroups []sopsfile.KeyGroup
	// ShamirThreshold is how many groups recover the data key (0: all).
	ShamirThreshold int
	// Rules select the values that are encrypted.
	sopsfile.Rules
}

// Recipients returns the rule's keys as "type:key".
func (r *Rule) Recipients() []string {
	return recipients(r.KeyGroups)
}

// RuleFor returns the rule to encrypt path with: one key group of the
// given age recipients when there are any, else the first creation rule
// matching path in ConfigFor(path): $SOPS_CONFIG, else the nearest
// .sops.yaml from path's directory upwards (sops itself looks from the
// working directory).
func RuleFor(path string, ageRecipients []string) (*Rule, error) {
	if len(ageRecipients) > 0 {
		return AgeRule(ageRecipients)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	conf, err := ConfigFor(abs)
	if err != nil {
		return nil, err
	}
	if conf == "" {
		return nil, fmt.Errorf("no recipients for %s: pass --age RECIPIENT or add a creation rule to a .sops.yaml in its directory or above", path)
	}
	return LoadRule(conf, abs)
}

// sopsConfigEnv names the sops config file to use instead of looking for
// one, as for the sops CLI.
const sopsConfigEnv = "SOPS_CONFIG"

// ConfigFor returns the sops config file whose creation rules apply to
// path: $SOPS_CONFIG when set, else the nearest .sops.yaml from path's
// directory upwards; "" when there is none.
func ConfigFor(path string) (string, error) {
	if conf := os.Getenv(sopsConfigEnv); conf != "" {
		if _, err := os.Stat(conf); err != nil {
			return "", fmt.Errorf("$%s: %w", sopsConfigEnv, err)
		}
		return conf, nil
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	return findConfig(abs), nil
}

// findConfig returns the .sops.yaml nearest to file, looking in its
// directory and up to 100 above, as sops does; "" if there is none.
func findConfig(file string) string {
	dir := path.Dir(filepath.ToSlash(file))
	for range 100 {
		p := path.Join(dir, ".sops.yaml")
		if _, err := os.Stat(filepath.FromSlash(p)); err == nil {
			return filepath.FromSlash(p)
		}
		dir = path.Join(dir, "..")
	}
	return ""
}

// AgeRule is one key group of the given age recipients (each entry may
// list several, comma-separated).
func AgeRule(ageRecipients []string) (*Rule, error) {
	var group sopsfile.KeyGroup
	for _, r := range ageRecipients {
		keys, err := ageKeys(r)
		if err != nil {
			return nil, fmt.Errorf("--age %s: %w", r, err)
		}
		group = append(group, keys...)
	}
	if len(group) == 0 {
		return nil, errors.New("--age: no recipients")
	}
	return &Rule{Source: "--age", KeyGroups: []sopsfile.KeyGroup{group}}, nil
}

// ageKeys parses comma-separated age recipients.
func ageKeys(list string) (sopsfile.KeyGroup, error) {
	var keys sopsfile.KeyGroup
	if strings.TrimSpace(list) == "" {
		return nil, nil
	}
	for _, r := range strings.Split(list, ",") {
		r = strings.TrimSpace(r)
		if _, err := parseAgeRecipient(r); err != nil {
			return nil, err
		}
		keys = append(keys, sopsfile.Key{Type: ageKeyType, Fields: sopsfile.Branch{{Key: "recipient", Value: r}}})
	}
	return keys, nil
}

// LoadRule returns the first creation rule of the sops config file conf
// whose path_regex matches path (relative to conf's directory), as the
// sops CLI picks it. AWS KMS keys of the rule are configured, not
// contacted. A rule with keys of a type berth does not support (pgp,
// gcp_kms, azure_keyvault, hc_vault, hckms) is an error.
func LoadRule(conf, path string) (*Rule, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(conf)
	if err != nil {
		return nil, err
	}
	var cf struct {
		CreationRules []creationRule `yaml:"creation_rules"`
	}
	if err := yaml.Unmarshal(data, &cf); err != nil {
		return nil, fmt.Errorf("%s: %w", conf, err)
	}
	if cf.CreationRules == nil {
		return nil, fmt.Errorf("%s has no creation_rules", conf)
	}
	dir, err := filepath.Abs(filepath.Dir(conf))
	if err != nil {
		return nil, err
	}
	rel := strings.TrimPrefix(abs, dir+string(filepath.Separator))
	var rule *creationRule
	for i := range cf.CreationRules {
		cr := &cf.CreationRules[i]
		if cr.PathRegex == "" {
			rule = cr
			break
		}
		re, err := regexp.Compile(cr.PathRegex)
		if err != nil {
			return nil, fmt.Errorf("%s: creation rule %d: path_regex: %w", conf, i+1, err)
		}
		if re.MatchString(rel) {
			rule = cr
			break
		}
	}
	if rule == nil {
		return nil, fmt.Errorf("%s: no matching creation rules for %s", conf, path)
	}
	r, err := rule.toRule(conf)
	if err != nil {
		return nil, fmt.Errorf("%s: the creation rule for %s: %w", conf, path, err)
	}
	if len(r.KeyGroups) == 0 || len(r.KeyGroups[0]) == 0 {
		return nil, fmt.Errorf("%s: the creation rule for %s has no keys", conf, path)
	}
	return r, nil
}
