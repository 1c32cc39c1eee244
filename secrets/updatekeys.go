package secrets

import (
	"context"
	"fmt"
	"slices"

	"github.com/berth-dev/berth/secrets/sopsfile"
)

// KeysChange is what UpdateKeys changes in a file: per key group, the
// keys ("type:ID") kept, added and removed, and the Shamir threshold.
type KeysChange struct {
	File string
	// Rule is the .sops.yaml whose creation rule the file is brought to.
	Rule   string
	Groups []GroupChange
	// OldThreshold and NewThreshold are the file's shamir_threshold
	// before and after (0: none recorded).
	OldThreshold, NewThreshold int
}

// GroupChange is the change of one key group.
type GroupChange struct {
	Kept, Added, Removed []string
}

// Changed reports whether the file's keys or threshold change.
func (c *KeysChange) Changed() bool {
	if c.OldThreshold != c.NewThreshold {
		return true
	}
	for _, g := range c.Groups {
		if len(g.Added) > 0 || len(g.Removed) > 0 {
			return true
		}
	}
	return false
}

// UpdateKeys brings the keys of the sops file data (format f, at path)
// to the creation rule for path (RuleFor, without --age), as
// `sops updatekeys` does: the data key is decrypted with the current
// identity and encrypted for every key of the rule; values, MAC and
// lastmodified are left as they are. With dryRun, or when nothing
// changes, the file is not decrypted and data is returned as is. The
// shamir_threshold stays the file's, capped at the rule's number of
// groups (as sops keeps it; several groups without one record all).
func UpdateKeys(ctx context.Context, path string, data []byte, f Format, dryRun bool) ([]byte, *KeysChange, error) {
	tree, err := load(f, data)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	conf, err := ConfigFor(path)
	if err != nil {
		return nil, nil, err
	}
	if conf == "" {
		return nil, nil, fmt.Errorf("update keys of %s: no .sops.yaml in its directory or above", path)
	}
	rule, err := LoadRule(conf, path)
	if err != nil {
		return nil, nil, err
	}
	m := &tree.Metadata
	change := &KeysChange{File: path, Rule: rule.Source, Groups: diffGroups(m.KeyGroups, rule.KeyGroups), OldThreshold: m.ShamirThreshold}
	change.NewThreshold = min(m.ShamirThreshold, len(rule.KeyGroups))
	if change.NewThreshold == 0 && len(rule.KeyGroups) > 1 {
		change.NewThreshold = len(rule.KeyGroups) // all groups, recorded as sops does
	}
	if dryRun || !change.Changed() {
		return data, change, nil
	}
	key, err := dataKey(ctx, *m)
	if err != nil {
		return nil, nil, &DecryptError{File: path, Recipients: recipients(m.KeyGroups), Err: err}
	}
	defer clear(key)
	fresh, err := rule.metadata(f)
	if err != nil {
		return nil, nil, err
	}
	m.KeyGroups = fresh.KeyGroups
	m.ShamirThreshold = change.NewThreshold
	if err := encryptDataKey(ctx, m, key); err != nil {
		return nil, nil, fmt.Errorf("update keys of %s: %w", path, err)
	}
	out, err := f.store().EmitEncrypted(tree)
	if err != nil {
		return nil, nil, fmt.Errorf("update keys of %s: write %s: %w", path, f, err)
	}
	return out, change, nil
}

// diffGroups compares key groups by position, as sops updatekeys does:
// keys are the same when their "type:ID" is.
func diffGroups(ours, theirs []sopsfile.KeyGroup) []GroupChange {
	out := make([]GroupChange, max(len(ours), len(theirs)))
	for i := range out {
		var old, now []string
		if i < len(ours) {
			old = recipients([]sopsfile.KeyGroup{ours[i]})
		}
		if i < len(theirs) {
			now = recipients([]sopsfile.KeyGroup{theirs[i]})
		}
		for _, r := range now {
			if slices.Contains(old, r) {
				out[i].Kept = append(out[i].Kept, r)
			} else {
				out[i].Added = append(out[i].Added, r)
			}
		}
		for _, r := range old {
			if !slices.Contains(now, r) {
				out[i].Removed = append(out[i].Removed, r)
			}
		}
	}
	return out
}
