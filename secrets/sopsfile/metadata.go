package sopsfile

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MetadataKey is the key of the sops metadata in a file's top-level
// mapping (dotenv prefixes its flattened entries with "sops_").
const MetadataKey = "sops"

// Version is the sops release whose file format this package writes; new
// files record it in their metadata, as sops records its own version.
const Version = "3.13.3"

// DefaultUnencryptedSuffix is the rule of a file that names none: values
// under keys ending in it stay in plaintext.
const DefaultUnencryptedSuffix = "_unencrypted"

// ErrNoMetadata is returned when a file has no sops metadata: it is not
// encrypted.
var ErrNoMetadata = errors.New("no sops metadata")

// Rules select the values of a file that are encrypted (at most one of
// the suffixes and regular expressions may be set), and whether the MAC
// covers only those.
type Rules struct {
	UnencryptedSuffix       string
	EncryptedSuffix         string
	UnencryptedRegex        string
	EncryptedRegex          string
	UnencryptedCommentRegex string
	EncryptedCommentRegex   string
	MACOnlyEncrypted        bool
}

// Normalize checks that at most one selection rule is set and, when none
// is, sets DefaultUnencryptedSuffix, as sops does for new and loaded files.
func (r *Rules) Normalize() error {
	n := 0
	for _, s := range []string{r.UnencryptedSuffix, r.EncryptedSuffix, r.UnencryptedRegex, r.EncryptedRegex, r.UnencryptedCommentRegex, r.EncryptedCommentRegex} {
		if s != "" {
			n++
		}
	}
	if n > 1 {
		return errors.New("more than one of encrypted_suffix, unencrypted_suffix, encrypted_regex, unencrypted_regex, encrypted_comment_regex and unencrypted_comment_regex")
	}
	if n == 0 {
		r.UnencryptedSuffix = DefaultUnencryptedSuffix
	}
	return nil
}

// Metadata is a file's sops metadata.
type Metadata struct {
	Rules
	KeyGroups []KeyGroup
	// ShamirThreshold is how many key groups recover the data key when
	// there are several (0: all of them).
	ShamirThreshold int
	LastModified    time.Time
	// MAC is the encrypted MAC of the file's values.
	MAC     string
	Version string
	// Extra holds the metadata entries this package does not know,
	// written back as they are.
	Extra Branch
}

// parseMetadata reads the (unflattened) sops mapping of a file.
func parseMetadata(b Branch) (Metadata, error) {
	var m Metadata
	var flat KeyGroup
	var groups []any
	var haveGroups, haveLastModified bool
	for _, it := range b {
		name, ok := it.Key.(string)
		if !ok {
			continue // a comment
		}
		var err error
		switch name {
		case "lastmodified":
			haveLastModified = true
			m.LastModified, err = time.Parse(time.RFC3339, scalarString(it.Value))
		case "mac":
			m.MAC = scalarString(it.Value)
		case "version":
			m.Version = scalarString(it.Value)
		case "shamir_threshold":
			m.ShamirThreshold, err = weakInt(it.Value)
		case "unencrypted_suffix":
			m.UnencryptedSuffix = scalarString(it.Value)
		case "encrypted_suffix":
			m.EncryptedSuffix = scalarString(it.Value)
		case "unencrypted_regex":
			m.UnencryptedRegex = scalarString(it.Value)
		case "encrypted_regex":
			m.EncryptedRegex = scalarString(it.Value)
		case "unencrypted_comment_regex":
			m.UnencryptedCommentRegex = scalarString(it.Value)
		case "encrypted_comment_regex":
			m.EncryptedCommentRegex = scalarString(it.Value)
		case "mac_only_encrypted":
			m.MACOnlyEncrypted, err = weakBool(it.Value)
		case "key_groups":
			haveGroups = true
			if groups, ok = it.Value.([]any); !ok && it.Value != nil {
				err = errors.New("not a list")
			}
		default:
			keys, isKeys, kerr := keyList(name, it.Value, slices.Contains(keyTypeOrder(), name))
			switch {
			case kerr != nil:
				err = kerr
			case isKeys:
				flat = append(flat, keys...)
			default:
				m.Extra = append(m.Extra, it)
			}
		}
		if err != nil {
			return Metadata{}, fmt.Errorf("sops metadata: %s: %w", name, err)
		}
	}
	if !haveLastModified {
		return Metadata{}, errors.New("sops metadata: no lastmodified")
	}
	switch {
	case len(flat) > 0:
		m.KeyGroups = []KeyGroup{sortGroup(flat)}
	case haveGroups && len(groups) > 0:
		for i, g := range groups {
			gb, ok := g.(Branch)
			if !ok {
				return Metadata{}, fmt.Errorf("sops metadata: key group %d is not a mapping", i+1)
			}
			var group KeyGroup
			for _, it := range gb {
				name, ok := it.Key.(string)
				if !ok {
					continue
				}
				keys, _, err := keyList(name, it.Value, true)
				if err != nil {
					return Metadata{}, fmt.Errorf("sops metadata: key group %d: %s: %w", i+1, name, err)
				}
				group = append(group, keys...)
			}
			m.KeyGroups = append(m.KeyGroups, sortGroup(group))
		}
	default:
		return Metadata{}, errors.New("sops metadata: no keys")
	}
	if err := m.Rules.Normalize(); err != nil {
		return Metadata{}, fmt.Errorf("sops metadata: %w", err)
	}
	return m, nil
}

// branch is the metadata as sops writes it: entries sorted by name at
// every level, empty optional entries left out.
func (m Metadata) branch() (Branch, error) {
	if len(m.KeyGroups) == 0 {
		return nil, errors.New("sops metadata: no keys")
	}
	var b Branch
	add := func(k string, v any) { b = append(b, Item{Key: k, Value: v}) }
	if len(m.KeyGroups) == 1 {
		b = append(b, groupEntries(m.KeyGroups[0], false)...)
	} else {
		groups := make([]any, len(m.KeyGroups))
		for i, g := range m.KeyGroups {
			groups[i] = groupEntries(g, true)
		}
		add("key_groups", groups)
	}
	add("lastmodified", m.LastModified.UTC().Format(time.RFC3339))
	add("mac", m.MAC)
	add("version", m.Version)
	if m.ShamirThreshold != 0 {
		add("shamir_threshold", m.ShamirThreshold)
	}
	for _, s := range []struct{ k, v string }{
		{"unencrypted_suffix", m.UnencryptedSuffix},
		{"encrypted_suffix", m.EncryptedSuffix},
		{"unencrypted_regex", m.UnencryptedRegex},
		{"encrypted_regex", m.EncryptedRegex},
		{"unencrypted_comment_regex", m.UnencryptedCommentRegex},
		{"encrypted_comment_regex", m.EncryptedCommentRegex},
	} {
		if s.v != "" {
			add(s.k, s.v)
		}
	}
	if m.MACOnlyEncrypted {
		add("mac_only_encrypted", true)
	}
	b = append(b, m.Extra...)
	return sortedBranch(b), nil
}

// groupEntries are a key group's entries: one list per key type. In
// key_groups, sops always writes the age and hc_vault lists, empty or not.
func groupEntries(g KeyGroup, always bool) Branch {
	var b Branch
	index := map[string]int{}
	if always {
		for _, t := range []string{"age", "hc_vault"} {
			index[t] = len(b)
			b = append(b, Item{Key: t, Value: []any{}})
		}
	}
	for _, k := range g {
		i, ok := index[k.Type]
		if !ok {
			i = len(b)
			index[k.Type] = i
			b = append(b, Item{Key: k.Type, Value: []any{}})
		}
		b[i].Value = append(b[i].Value.([]any), sortedBranch(k.Fields))
	}
	return sortedBranch(b)
}

// sortedBranch returns a copy of b with its entries, and those of nested
// mappings, sorted by key (comments dropped), as sops writes metadata.
func sortedBranch(b Branch) Branch {
	out := make(Branch, 0, len(b))
	for _, it := range b {
		if _, ok := it.Key.(string); ok {
			out = append(out, Item{Key: it.Key, Value: sortedValue(it.Value)})
		}
	}
	slices.SortStableFunc(out, func(x, y Item) int { return strings.Compare(x.Key.(string), y.Key.(string)) })
	return out
}

func sortedValue(v any) any {
	switch v := v.(type) {
	case Branch:
		return sortedBranch(v)
	case []any:
		out := make([]any, 0, len(v))
		for _, e := range v {
			if _, ok := e.(Comment); !ok {
				out = append(out, sortedValue(e))
			}
		}
		return out
	}
	return v
}

// scalarString is a metadata scalar as a string, converted the way sops's
// metadata decoder (weakly typed) converts it.
func scalarString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case bool:
		if v {
			return "1"
		}
		return "0"
	case int:
		return strconv.Itoa(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case time.Time:
		return v.Format(time.RFC3339)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

func weakInt(v any) (int, error) {
	switch v := v.(type) {
	case int:
		return v, nil
	case float64:
		return int(v), nil
	case bool:
		if v {
			return 1, nil
		}
		return 0, nil
	case string:
		if v == "" {
			return 0, nil
		}
		n, err := strconv.ParseInt(v, 0, 0)
		return int(n), err
	case nil:
		return 0, nil
	}
	return 0, fmt.Errorf("not a number: %T", v)
}

func weakBool(v any) (bool, error) {
	switch v := v.(type) {
	case bool:
		return v, nil
	case int:
		return v != 0, nil
	case float64:
		return v != 0, nil
	case string:
		if v == "" {
			return false, nil
		}
		return strconv.ParseBool(v)
	case nil:
		return false, nil
	}
	return false, fmt.Errorf("not a boolean: %T", v)
}
