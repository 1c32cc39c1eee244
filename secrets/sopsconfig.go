package secrets

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/berth-dev/berth/secrets/sopsfile"
)

// creationRule is a creation rule of .sops.yaml. Key lists are a
// comma-separated string or a YAML list.
type creationRule struct {
	PathRegex               string     `yaml:"path_regex"`
	KMS                     any        `yaml:"kms"`
	AwsProfile              string     `yaml:"aws_profile"`
	Age                     any        `yaml:"age"`
	PGP                     any        `yaml:"pgp"`
	GCPKMS                  any        `yaml:"gcp_kms"`
	HCKms                   []string   `yaml:"hckms"`
	AzureKeyVault           any        `yaml:"azure_keyvault"`
	VaultURI                any        `yaml:"hc_vault_transit_uri"`
	KeyGroups               []keyGroup `yaml:"key_groups"`
	ShamirThreshold         int        `yaml:"shamir_threshold"`
	UnencryptedSuffix       string     `yaml:"unencrypted_suffix"`
	EncryptedSuffix         string     `yaml:"encrypted_suffix"`
	UnencryptedRegex        string     `yaml:"unencrypted_regex"`
	EncryptedRegex          string     `yaml:"encrypted_regex"`
	UnencryptedCommentRegex string     `yaml:"unencrypted_comment_regex"`
	EncryptedCommentRegex   string     `yaml:"encrypted_comment_regex"`
	MACOnlyEncrypted        bool       `yaml:"mac_only_encrypted"`
}

// keyGroup is an entry of a creation rule's key_groups.
type keyGroup struct {
	Merge   []keyGroup `yaml:"merge"`
	KMS     []kmsEntry `yaml:"kms"`
	GCPKMS  []any      `yaml:"gcp_kms"`
	HCKms   []any      `yaml:"hckms"`
	AzureKV []any      `yaml:"azure_keyvault"`
	Vault   []string   `yaml:"hc_vault"`
	Age     []string   `yaml:"age"`
	PGP     []string   `yaml:"pgp"`
}

type kmsEntry struct {
	Arn        string            `yaml:"arn"`
	Role       string            `yaml:"role"`
	Context    map[string]string `yaml:"context"`
	AwsProfile string            `yaml:"aws_profile"`
}

func (c *creationRule) toRule(conf string) (*Rule, error) {
	r := &Rule{
		Source:          conf,
		ShamirThreshold: c.ShamirThreshold,
		Rules: sopsfile.Rules{
			UnencryptedSuffix:       c.UnencryptedSuffix,
			EncryptedSuffix:         c.EncryptedSuffix,
			UnencryptedRegex:        c.UnencryptedRegex,
			EncryptedRegex:          c.EncryptedRegex,
			UnencryptedCommentRegex: c.UnencryptedCommentRegex,
			EncryptedCommentRegex:   c.EncryptedCommentRegex,
			MACOnlyEncrypted:        c.MACOnlyEncrypted,
		},
	}
	check := r.Rules
	if err := check.Normalize(); err != nil {
		return nil, err
	}
	if types := c.unsupportedTypes(); len(types) > 0 {
		return nil, fmt.Errorf("it has %s keys, which berth cannot encrypt for: berth supports age and AWS KMS (kms) keys; use the sops CLI for this file", strings.Join(types, ", "))
	}
	if len(c.KeyGroups) > 0 {
		for _, g := range c.KeyGroups {
			keys, err := g.keys()
			if err != nil {
				return nil, err
			}
			r.KeyGroups = append(r.KeyGroups, dedupe(keys))
		}
		return r, nil
	}
	age, err := keyList(c.Age, "age")
	if err != nil {
		return nil, err
	}
	group, err := ageKeys(strings.Join(age, ","))
	if err != nil {
		return nil, err
	}
	arns, err := keyList(c.KMS, "kms")
	if err != nil {
		return nil, err
	}
	group = append(group, kmsKeysFromARNs(strings.Join(arns, ","), c.AwsProfile)...)
	r.KeyGroups = []sopsfile.KeyGroup{dedupe(group)}
	return r, nil
}

// unsupportedTypes lists the key types of c berth does not support, as
// .sops.yaml names them.
func (c *creationRule) unsupportedTypes() []string {
	var types []string
	add := func(typ string, present bool) {
		if present && !slices.Contains(types, typ) {
			types = append(types, typ)
		}
	}
	add("pgp", c.PGP != nil && c.PGP != "")
	add("gcp_kms", c.GCPKMS != nil && c.GCPKMS != "")
	add("hckms", len(c.HCKms) > 0)
	add("azure_keyvault", c.AzureKeyVault != nil && c.AzureKeyVault != "")
	add("hc_vault_transit_uri", c.VaultURI != nil && c.VaultURI != "")
	var walk func(g keyGroup)
	walk = func(g keyGroup) {
		add("pgp", len(g.PGP) > 0)
		add("gcp_kms", len(g.GCPKMS) > 0)
		add("hckms", len(g.HCKms) > 0)
		add("azure_keyvault", len(g.AzureKV) > 0)
		add("hc_vault", len(g.Vault) > 0)
		for _, m := range g.Merge {
			walk(m)
		}
	}
	for _, g := range c.KeyGroups {
		walk(g)
	}
	return types
}

// keys returns the keys of a key_groups entry: merged groups first, then
// age, then KMS keys, as sops orders them.
func (g keyGroup) keys() (sopsfile.KeyGroup, error) {
	var out sopsfile.KeyGroup
	for _, m := range g.Merge {
		keys, err := m.keys()
		if err != nil {
			return nil, err
		}
		out = append(out, keys...)
	}
	for _, a := range g.Age {
		keys, err := ageKeys(a)
		if err != nil {
			return nil, err
		}
		out = append(out, keys...)
	}
	for _, k := range g.KMS {
		out = append(out, kmsKey(k.Arn, k.Role, k.Context, k.AwsProfile))
	}
	return out, nil
}

// kmsKeysFromARNs parses a comma-separated list of KMS ARNs, each
// optionally followed by "+" and the ARN of a role to assume.
func kmsKeysFromARNs(list, profile string) sopsfile.KeyGroup {
	var keys sopsfile.KeyGroup
	for _, s := range strings.Split(list, ",") {
		s = strings.ReplaceAll(s, " ", "")
		if s == "" {
			continue
		}
		arn, role := s, ""
		if i := strings.Index(s, "+arn:"); i > 0 {
			arn, role = s[:i], s[i+1:]
		}
		keys = append(keys, kmsKey(arn, role, nil, profile))
	}
	return keys
}

// kmsKey is a KMS key of a rule, with the fields sops records for it.
func kmsKey(arn, role string, context map[string]string, profile string) sopsfile.Key {
	k := sopsfile.Key{Type: kmsKeyType}
	k.Set("arn", arn)
	if role != "" {
		k.Set("role", role)
	}
	if len(context) > 0 {
		var ctx sopsfile.Branch
		for _, name := range slices.Sorted(maps.Keys(context)) {
			ctx = append(ctx, sopsfile.Item{Key: name, Value: context[name]})
		}
		k.Set("context", ctx)
	}
	k.Set("aws_profile", profile)
	return k
}

// dedupe drops repeated keys (same type and ID) of a group.
func dedupe(g sopsfile.KeyGroup) sopsfile.KeyGroup {
	seen := map[string]bool{}
	var out sopsfile.KeyGroup
	for _, k := range g {
		id := k.Type + "/" + k.ID()
		if !seen[id] {
			seen[id] = true
			out = append(out, k)
		}
	}
	return out
}

// keyList reads a creation rule's key field: a comma-separated string or
// a list of strings.
func keyList(v any, field string) ([]string, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case string:
		var out []string
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		return out, nil
	case []any:
		out := make([]string, len(v))
		for i, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("%s: expected a string in the list, got %T", field, e)
			}
			out[i] = s
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s: expected a string or a list of strings, got %T", field, v)
}
