// This Source Code Form is subject to the terms of the Mozilla Public
// License, v. 2.0. If a copy of the MPL was not distributed with this
// file, You can obtain one at https://mozilla.org/MPL/2.0/.
//
// Derived from sops.go of github.com/getsops/sops/v3 v3.13.3 (the tree
// walk, the encryption rules and the MAC), rewritten for berth.

package sopsfile

import (
	"crypto/sha512"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Comment is a comment of a YAML, dotenv or INI file. sops keeps comments
// (encrypted, like values) as tree keys, or as list items in sequences.
type Comment struct {
	Value  string
	Inline bool
}

// Item is an entry of a Branch. Key is a string or a Comment; Value is
// nil, a string, int, float64, bool, time.Time, Comment, Branch or []any.
type Item struct {
	Key   any
	Value any
}

// Branch is an ordered mapping: a document or a nested object.
type Branch []Item

// Tree is a sops document: its branches (one per YAML document, else one)
// and its metadata.
type Tree struct {
	Branches []Branch
	Metadata Metadata
}

// ErrMACMismatch is returned by Open when the values do not match the
// file's MAC: the file was modified without its data key.
var ErrMACMismatch = errors.New("MAC mismatch: the file was modified without sops")

// macOnlyEncryptedInit starts the MAC of files with mac_only_encrypted, so
// that it never equals the MAC over all values: sha256("sops").
func macOnlyEncryptedInit() []byte {
	return []byte{0x8a, 0x3f, 0xd2, 0xad, 0x54, 0xce, 0x66, 0x52, 0x7b, 0x10, 0x34, 0xf3, 0xd1, 0x47, 0xbe, 0xb, 0xb, 0x97, 0x5b, 0x3b, 0xf4, 0x4f, 0x72, 0xc6, 0xfd, 0xad, 0xec, 0x81, 0x76, 0xf2, 0x7d, 0x69}
}

// Seal encrypts the tree's values in place with the data key, stamps
// LastModified with now and stores the MAC, encrypted, in the metadata.
func (t *Tree) Seal(key []byte, c *Cipher, now time.Time) error {
	mac, err := t.walk(key, c, true)
	if err != nil {
		return err
	}
	t.Metadata.LastModified = now.UTC().Truncate(time.Second)
	enc, err := c.Encrypt(mac, key, t.Metadata.LastModified.Format(time.RFC3339))
	if err != nil {
		return fmt.Errorf("encrypt the MAC: %w", err)
	}
	t.Metadata.MAC = enc
	return nil
}

// Open decrypts the tree's values in place with the data key and verifies
// them against the file's MAC (ErrMACMismatch).
func (t *Tree) Open(key []byte, c *Cipher) error {
	mac, err := t.walk(key, c, false)
	if err != nil {
		return err
	}
	want, err := c.Decrypt(t.Metadata.MAC, key, t.Metadata.LastModified.Format(time.RFC3339))
	if err != nil {
		return fmt.Errorf("decrypt the MAC: %w", err)
	}
	if s, ok := want.(string); !ok || s != mac {
		return ErrMACMismatch
	}
	return nil
}

// walk encrypts (or decrypts) every leaf the metadata's rules select and
// returns the MAC: the SHA-512 of the plaintext leaves in order (only the
// encrypted ones with mac_only_encrypted), comments excluded.
func (t *Tree) walk(key []byte, c *Cipher, encrypt bool) (string, error) {
	rules, err := t.Metadata.Rules.compile()
	if err != nil {
		return "", err
	}
	hash := sha512.New()
	if t.Metadata.MACOnlyEncrypted {
		hash.Write(macOnlyEncryptedInit())
	}
	addToMAC := func(v any) error {
		if _, isComment := v.(Comment); isComment {
			return nil
		}
		b, err := macBytes(v)
		if err != nil {
			return err
		}
		hash.Write(b)
		return nil
	}
	leaf := func(in any, path []string, comments [][]string) (any, error) {
		c0, isComment := in.(Comment)
		encrypted := rules.encrypted(path, comments, isComment)
		aad := strings.Join(path, ":") + ":"
		if encrypt {
			if !t.Metadata.MACOnlyEncrypted || encrypted {
				if err := addToMAC(in); err != nil {
					return nil, err
				}
			}
			if !encrypted {
				return in, nil
			}
			out, err := c.Encrypt(in, key, aad)
			if err != nil {
				return nil, fmt.Errorf("encrypt a value: %w", err)
			}
			if isComment && rules.unencryptedComment != nil && rules.unencryptedComment.MatchString(out) {
				return nil, fmt.Errorf("encrypted comment %q matches unencrypted_comment_regex, which must not match encrypted comments", out)
			}
			return out, nil
		}
		v := in
		if encrypted {
			var err error
			switch {
			case isComment:
				if v, err = c.Decrypt(c0.Value, key, aad); err != nil {
					v = in // a comment older sops versions left unencrypted
				}
			default:
				s, ok := in.(string)
				if !ok {
					return nil, fmt.Errorf("expected an encrypted value (a string), got %T", in)
				}
				if v, err = c.Decrypt(s, key, aad); err != nil {
					return nil, fmt.Errorf("decrypt a value: %w", err)
				}
			}
		}
		if !t.Metadata.MACOnlyEncrypted || encrypted {
			if err := addToMAC(v); err != nil {
				return nil, err
			}
		}
		return v, nil
	}
	for _, b := range t.Branches {
		if _, err := walkBranch(b, nil, nil, leaf); err != nil {
			return "", fmt.Errorf("walk the tree: %w", err)
		}
	}
	return fmt.Sprintf("%X", hash.Sum(nil)), nil
}

// leafFunc transforms a leaf at path (the keys leading to it), under the
// comments seen on each level.
type leafFunc func(in any, path []string, comments [][]string) (any, error)

func walkValue(in any, path []string, comments [][]string, f leafFunc) (any, error) {
	switch v := in.(type) {
	case string, int, bool, float64, time.Time, Comment:
		return f(v, path, comments)
	case []byte:
		return f(string(v), path, comments)
	case Branch:
		return walkBranch(v, path, comments, f)
	case []any:
		return walkSlice(v, path, comments, f)
	case nil:
		return nil, nil
	}
	return nil, fmt.Errorf("cannot walk a value of type %T", in)
}

// walkSlice walks a list in place. A comment item is active for the items
// after it, up to the next non-comment item.
func walkSlice(in []any, path []string, comments [][]string, f leafFunc) ([]any, error) {
	comments = append(comments[:len(comments):len(comments)], nil)
	top := len(comments) - 1
	for i, v := range in {
		c, isComment := v.(Comment)
		if isComment {
			comments[top] = append(comments[top], c.Value)
		}
		out, err := walkValue(v, path, comments, f)
		if err != nil {
			return nil, err
		}
		in[i] = out
		if !isComment {
			comments[top] = nil
		}
	}
	return in, nil
}

// walkBranch walks a mapping in place: comment keys, then values under
// their key's path.
func walkBranch(in Branch, path []string, comments [][]string, f leafFunc) (Branch, error) {
	comments = append(comments[:len(comments):len(comments)], nil)
	top := len(comments) - 1
	for i, item := range in {
		if c, ok := item.Key.(Comment); ok {
			comments[top] = append(comments[top], c.Value)
			out, err := walkValue(c, path, comments, f)
			if err != nil {
				return nil, err
			}
			switch o := out.(type) {
			case Comment:
				in[i].Key = o
			case string:
				in[i].Key = Comment{Value: o, Inline: c.Inline}
			default:
				return nil, fmt.Errorf("a comment became a %T", out)
			}
			continue
		}
		c, valueIsComment := item.Value.(Comment)
		if valueIsComment {
			comments[top] = append(comments[top], c.Value)
		}
		k, ok := item.Key.(string)
		if !ok {
			return nil, fmt.Errorf("the tree has a key of type %T (%v): only string keys are supported", item.Key, item.Key)
		}
		out, err := walkValue(item.Value, append(path[:len(path):len(path)], k), comments, f)
		if err != nil {
			return nil, err
		}
		in[i].Value = out
		if !valueIsComment {
			comments[top] = nil
		}
	}
	return in, nil
}

// compiledRules are a file's encryption rules with the regular
// expressions compiled.
type compiledRules struct {
	Rules
	unencryptedRe, encryptedRe           *regexp.Regexp
	unencryptedComment, encryptedComment *regexp.Regexp
}

func (r Rules) compile() (*compiledRules, error) {
	c := &compiledRules{Rules: r}
	for _, re := range []struct {
		expr string
		dst  **regexp.Regexp
		name string
	}{
		{r.UnencryptedRegex, &c.unencryptedRe, "unencrypted_regex"},
		{r.EncryptedRegex, &c.encryptedRe, "encrypted_regex"},
		{r.UnencryptedCommentRegex, &c.unencryptedComment, "unencrypted_comment_regex"},
		{r.EncryptedCommentRegex, &c.encryptedComment, "encrypted_comment_regex"},
	} {
		if re.expr == "" {
			continue
		}
		compiled, err := regexp.Compile(re.expr)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", re.name, err)
		}
		*re.dst = compiled
	}
	return c, nil
}

// encrypted reports whether the leaf at path, under comments, is
// encrypted: sops's suffix, regex and comment rules, in sops's order.
func (r *compiledRules) encrypted(path []string, comments [][]string, isComment bool) bool {
	encrypted := true
	if r.UnencryptedSuffix != "" && anyMatch(path, func(p string) bool { return strings.HasSuffix(p, r.UnencryptedSuffix) }) {
		encrypted = false
	}
	if r.EncryptedSuffix != "" {
		encrypted = anyMatch(path, func(p string) bool { return strings.HasSuffix(p, r.EncryptedSuffix) })
	}
	if r.unencryptedRe != nil && anyMatch(path, r.unencryptedRe.MatchString) {
		encrypted = false
	}
	if r.encryptedRe != nil {
		encrypted = anyMatch(path, r.encryptedRe.MatchString)
	}
	if r.unencryptedComment != nil {
		for _, cs := range comments {
			if anyMatch(cs, r.unencryptedComment.MatchString) {
				encrypted = false
				break
			}
		}
	}
	if r.encryptedComment != nil {
		encrypted = false
		last := len(comments) - 1
	levels:
		for i, cs := range comments {
			for j, c := range cs {
				// The comment matching the regex is itself left alone.
				if isComment && i == last && j == len(comments[last])-1 {
					continue
				}
				if r.encryptedComment.MatchString(c) {
					encrypted = true
					break levels
				}
			}
		}
	}
	return encrypted
}

func anyMatch(ss []string, f func(string) bool) bool {
	for _, s := range ss {
		if f(s) {
			return true
		}
	}
	return false
}

// macBytes is a leaf's plaintext as the MAC hashes it.
func macBytes(v any) ([]byte, error) {
	switch v := v.(type) {
	case string:
		return []byte(v), nil
	case int:
		return []byte(strconv.Itoa(v)), nil
	case float64:
		return []byte(strconv.FormatFloat(v, 'f', -1, 64)), nil
	case bool:
		if v {
			return []byte("True"), nil
		}
		return []byte("False"), nil
	case []byte:
		return v, nil
	case time.Time:
		return v.MarshalText()
	case Comment:
		return []byte(v.Value), nil
	}
	return nil, fmt.Errorf("cannot hash a value of type %T", v)
}
