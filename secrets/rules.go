package secrets

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/getsops/sops/v3"
	sopsage "github.com/getsops/sops/v3/age"
	"github.com/getsops/sops/v3/config"
)

// Rule is who a new file is encrypted for and how: the key groups and
// settings of a .sops.yaml creation rule, or of --age recipients.
type Rule struct {
	Source string // the .sops.yaml the rule is from, or "--age"
	config.Config
}

// Recipients returns the rule's keys as "type:key".
func (r *Rule) Recipients() []string {
	return recipients(sops.Metadata{KeyGroups: r.KeyGroups})
}

// RuleFor returns the rule to encrypt path with: one key group of the
// given age recipients when there are any, else the first creation rule
// matching path in the nearest .sops.yaml from path's directory upwards
// (sops itself looks from the working directory).
func RuleFor(path string, ageRecipients []string) (*Rule, error) {
	if len(ageRecipients) > 0 {
		return AgeRule(ageRecipients)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	res, err := config.LookupConfigFile(abs)
	if err != nil || res.Path == "" {
		return nil, fmt.Errorf("no recipients for %s: pass --age RECIPIENT or add a creation rule to a .sops.yaml in its directory or above", path)
	}
	return LoadRule(res.Path, abs)
}

// AgeRule is one key group of the given age recipients (each entry may
// list several, comma-separated).
func AgeRule(ageRecipients []string) (*Rule, error) {
	var group sops.KeyGroup
	for _, r := range ageRecipients {
		keys, err := sopsage.MasterKeysFromRecipients(strings.TrimSpace(r))
		if err != nil {
			return nil, fmt.Errorf("--age %s: %w", r, err)
		}
		for _, k := range keys {
			group = append(group, k)
		}
	}
	if len(group) == 0 {
		return nil, errors.New("--age: no recipients")
	}
	return &Rule{Source: "--age", Config: config.Config{KeyGroups: []sops.KeyGroup{group}}}, nil
}

// LoadRule returns the first creation rule of the sops config file conf
// whose path_regex matches path (relative to conf's directory), as the
// sops CLI picks it. AWS KMS keys of the rule are configured, not
// contacted.
func LoadRule(conf, path string) (*Rule, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	c, err := config.LoadCreationRuleForFile(conf, abs, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", conf, err)
	}
	if c == nil {
		return nil, fmt.Errorf("%s has no creation_rules", conf)
	}
	if len(c.KeyGroups) == 0 || len(c.KeyGroups[0]) == 0 {
		return nil, fmt.Errorf("%s: the creation rule for %s has no keys", conf, path)
	}
	return &Rule{Source: conf, Config: *c}, nil
}
