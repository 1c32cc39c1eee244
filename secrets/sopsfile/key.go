package sopsfile

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Key is a master key of a file: its type as the metadata names it (age,
// kms, pgp, gcp_kms, azure_kv, hc_vault, hckms, ...) and its entry's fields
// (recipient, arn, enc, created_at, ...), kept as the file holds them.
type Key struct {
	Type   string
	Fields Branch
}

// KeyGroup is a set of keys each holding the same part of the data key.
type KeyGroup []Key

// Value returns the field name of k, nil when absent.
func (k Key) Value(name string) any {
	for _, it := range k.Fields {
		if it.Key == name {
			return it.Value
		}
	}
	return nil
}

// Field returns the field name of k as a string, "" when absent.
func (k Key) Field(name string) string {
	v := k.Value(name)
	if v == nil {
		return ""
	}
	return scalarString(v)
}

// Set sets the field name of k to v, adding it when absent.
func (k *Key) Set(name string, v any) {
	for i, it := range k.Fields {
		if it.Key == name {
			k.Fields[i].Value = v
			return
		}
	}
	k.Fields = append(k.Fields, Item{Key: name, Value: v})
}

// ID names k as sops does: an age recipient, a KMS ARN (with its role,
// encryption context and AWS profile), a PGP fingerprint, a GCP KMS
// resource ID, an Azure Key Vault key URL, a Vault transit key URL.
func (k Key) ID() string {
	switch k.Type {
	case "age":
		return k.Field("recipient")
	case "kms":
		id := k.Field("arn")
		if role := k.Field("role"); role != "" {
			id += "+" + role
		}
		ctx := kmsContextString(k.Value("context"))
		if profile := k.Field("aws_profile"); profile != "" {
			return id + "|" + ctx + "|" + profile
		}
		if ctx != "" {
			return id + "|" + ctx
		}
		return id
	case "pgp":
		return k.Field("fp")
	case "gcp_kms":
		return k.Field("resource_id")
	case "hckms":
		return k.Field("key_id")
	case "azure_kv":
		return k.Field("vault_url") + "/keys/" + k.Field("name") + "/" + k.Field("version")
	case "hc_vault":
		return k.Field("vault_address") + "/v1/" + k.Field("engine_path") + "/keys/" + k.Field("key_name")
	}
	for _, it := range k.Fields { // a key type newer than this package
		if it.Key != "enc" && it.Key != "created_at" {
			return scalarString(it.Value)
		}
	}
	return ""
}

// kmsContextString is a KMS encryption context as sops prints it:
// "k1:v1,k2:v2", keys sorted.
func kmsContextString(v any) string {
	b, _ := v.(Branch)
	var pairs []string
	for _, it := range sortedBranch(b) {
		if k, ok := it.Key.(string); ok {
			pairs = append(pairs, k+":"+scalarString(it.Value))
		}
	}
	return strings.Join(pairs, ",")
}

// keyTypeOrder is the order sops lists a group's keys in when it reads a
// file; key types it does not know follow, by name.
func keyTypeOrder() []string {
	return []string{"kms", "gcp_kms", "hckms", "azure_kv", "hc_vault", "pgp", "age"}
}

// keyTypeRank orders key type t in a group.
func keyTypeRank(t string) int {
	order := keyTypeOrder()
	if i := slices.Index(order, t); i >= 0 {
		return i
	}
	return len(order)
}

// keyList reads the keys of type typ from a metadata entry. An entry not
// known to be a key type counts as one when it is a non-empty list of
// mappings.
func keyList(typ string, v any, known bool) (KeyGroup, bool, error) {
	list, isList := v.([]any)
	if !known {
		if !isList || len(list) == 0 {
			return nil, false, nil
		}
		for _, e := range list {
			if _, ok := e.(Branch); !ok {
				return nil, false, nil
			}
		}
	}
	if v == nil {
		return nil, true, nil
	}
	if !isList {
		return nil, false, errors.New("not a list of keys")
	}
	var keys KeyGroup
	for i, e := range list {
		b, ok := e.(Branch)
		if !ok {
			return nil, false, fmt.Errorf("key %d is not a mapping", i+1)
		}
		keys = append(keys, Key{Type: typ, Fields: b})
	}
	return keys, true, nil
}

// sortGroup orders a group's keys by type as sops lists them, keeping
// the file's order within a type.
func sortGroup(g KeyGroup) KeyGroup {
	slices.SortStableFunc(g, func(a, b Key) int {
		if d := keyTypeRank(a.Type) - keyTypeRank(b.Type); d != 0 {
			return d
		}
		return strings.Compare(a.Type, b.Type)
	})
	return g
}
