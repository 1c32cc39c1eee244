package secrets_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/berth-dev/berth/internal/testkms"
	"github.com/berth-dev/berth/secrets"
	"github.com/berth-dev/berth/secrets/secretstest"
)

// teams is a repository of two teams' secrets on a local KMS server: the
// payments team's key, the search team's key, and a .sops.yaml giving
// secrets/payments/ to payments and secrets/shared/ to both (one key
// group: either key opens it), each key with an encryption context.
type teams struct {
	kms              *testkms.Server
	dir              string
	payments, search string // key ARN, alias ARN
	searchKey        string // the search alias's key ARN (KMS's admin calls take no alias)
}

func newTeams(t *testing.T) *teams {
	t.Helper()
	s := testkms.Start(t)
	secretstest.Use(t, "") // no age identity: KMS or nothing
	// The search team's key by its alias, as .sops.yaml files often name keys.
	searchKey := s.CreateKey(t, "search")
	search := s.CreateAlias(t, "alias/search-secrets", searchKey)
	tm := &teams{kms: s, dir: t.TempDir(), payments: s.CreateKey(t, "payments"), search: search, searchKey: searchKey}
	tm.rules(t, map[string][]string{"payments": {tm.payments}, "shared": {tm.payments, tm.search}})
	return tm
}

// rules writes .sops.yaml: for each directory under secrets/, one key
// group of the given keys, with the context {team: <directory>}.
func (tm *teams) rules(t *testing.T, dirs map[string][]string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("creation_rules:\n")
	for _, d := range slices.Sorted(func(yield func(string) bool) {
		for d := range dirs {
			if !yield(d) {
				return
			}
		}
	}) {
		fmt.Fprintf(&b, "  - path_regex: ^secrets/%s/\n    key_groups:\n      - kms:\n", d)
		for _, arn := range dirs[d] {
			fmt.Fprintf(&b, "          - arn: %s\n            context:\n              team: %s\n", arn, d)
		}
	}
	if err := os.WriteFile(filepath.Join(tm.dir, ".sops.yaml"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// encrypt encrypts plain into rel for the rule .sops.yaml picks.
func (tm *teams) encrypt(t *testing.T, rel, plain string) (string, []byte) {
	t.Helper()
	path := filepath.Join(tm.dir, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	r, err := secrets.RuleFor(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := secrets.Encrypt(t.Context(), path, []byte(plain), secrets.FormatForPath(path), r)
	if err != nil {
		t.Fatalf("encrypt %s: %v", rel, err)
	}
	if err := os.WriteFile(path, enc, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, enc
}

func kmsRecipient(arn, team string) string { return "kms:" + arn + "|team:" + team }

// kmsClass is the class of the KMS error in err, "" if none.
func kmsClass(err error) secrets.KMSErrorClass {
	var ke *secrets.KMSError
	if errors.As(err, &ke) {
		return ke.Class
	}
	return ""
}

// TestKMSTeams encrypts per-team files through a local KMS server with
// the rule .sops.yaml picks by path and decrypts them with berth and the
// sops library; the encryption context is bound to the data key.
func TestKMSTeams(t *testing.T) {
	tm := newTeams(t)
	ctx := t.Context()
	payPath, pay := tm.encrypt(t, "secrets/payments/db.env", "DB_PASSWORD=pay-s3cret\n")
	sharedPath, shared := tm.encrypt(t, "secrets/shared/api.yaml", "token: shared-s3cret\n")

	for _, c := range []struct {
		path string
		data []byte
		f    secrets.Format
		want []string
	}{
		{payPath, pay, secrets.Dotenv, []string{kmsRecipient(tm.payments, "payments")}},
		{sharedPath, shared, secrets.YAML, []string{kmsRecipient(tm.payments, "shared"), kmsRecipient(tm.search, "shared")}},
	} {
		if got, err := secrets.Recipients(c.f, c.data); err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s is encrypted for %v (%v), want %v", c.path, got, err, c.want)
		}
		if groups := keyMaps(t, c.f, c.data); len(groups) != 1 || len(groups[0]) != len(c.want) {
			t.Errorf("%s: sops reads key groups %v, want one group of %d keys", c.path, groups, len(c.want))
		}
		plain, err := secrets.Decrypt(ctx, c.path, c.data, c.f)
		if err != nil {
			t.Fatal(err)
		}
		viaSops, err := sopsDecrypt(t, c.f, c.data)
		if err != nil || !reflect.DeepEqual(viaSops, plain) {
			t.Errorf("%s: sops decrypts %q, %v; berth %q", c.path, viaSops, err, plain)
		}
		sameAsSops(t, c.f, c.data)
	}

	// The context is part of what KMS decrypts: another team's context
	// on the same key is refused.
	tampered := strings.Replace(string(pay), "sops_kms__list_0__map_context__map_team=payments", "sops_kms__list_0__map_context__map_team=shared", 1)
	if tampered == string(pay) {
		t.Fatalf("no context in the dotenv metadata:\n%s", pay)
	}
	if _, err := secrets.Decrypt(ctx, payPath, []byte(tampered), secrets.Dotenv); kmsClass(err) != secrets.KMSWrongCiphertext {
		t.Errorf("decrypt with another encryption context: %v (class %q)", err, kmsClass(err))
	}
}

// TestKMSWho: Access reports, per key, whether the identity can decrypt
// the data key. local-kms does not enforce IAM, so "team search cannot
// open the payments file" is modelled by disabling the payments key: the
// shared file (both keys, one group) still opens with the search key.
func TestKMSWho(t *testing.T) {
	tm := newTeams(t)
	ctx := t.Context()
	payPath, pay := tm.encrypt(t, "secrets/payments/db.env", "DB_PASSWORD=pay-s3cret\n")
	sharedPath, shared := tm.encrypt(t, "secrets/shared/api.yaml", "token: shared-s3cret\n")
	tm.kms.Disable(t, tm.payments)

	a, err := secrets.Access(ctx, payPath, pay, secrets.Dotenv)
	if err != nil {
		t.Fatal(err)
	}
	if a.CanOpen() || len(a.Keys) != 1 || kmsClass(a.Keys[0].Err) != secrets.KMSKeyDisabled || a.Keys[0].Recipient() != kmsRecipient(tm.payments, "payments") {
		t.Errorf("payments file: can open %v, keys %+v", a.CanOpen(), a.Keys)
	}
	a, err = secrets.Access(ctx, sharedPath, shared, secrets.YAML)
	if err != nil {
		t.Fatal(err)
	}
	if !a.CanOpen() || len(a.Keys) != 2 || kmsClass(a.Keys[0].Err) != secrets.KMSKeyDisabled || a.Keys[1].Err != nil || a.Keys[1].Group != 1 {
		t.Errorf("shared file: can open %v, keys %+v", a.CanOpen(), a.Keys)
	}
	if got, err := secrets.Decrypt(ctx, sharedPath, shared, secrets.YAML); err != nil || string(got) != "token: shared-s3cret\n" {
		t.Errorf("shared file with the payments key disabled: %q, %v", got, err)
	}
}

// TestKMSErrorClasses: each way the identity cannot use a file's key
// fails with a *DecryptError naming the file and its key, and a
// *KMSError of its class, AWS's code and message on one line, without the
// SDK's chain of wrapped errors. local-kms has no IAM: a key of another
// account is unknown to it (NotFoundException), where AWS would answer
// AccessDeniedException for a key that exists; AccessDenied itself is
// checked against the stand-in (TestKMSAccessDenied).
func TestKMSErrorClasses(t *testing.T) {
	tm := newTeams(t)
	ctx := t.Context()
	other := testkms.OtherAccountKey("0f0f0f0f-1111-2222-3333-444455556666")
	tm.rules(t, map[string][]string{"payments": {tm.payments}, "search": {tm.search}})
	payPath, pay := tm.encrypt(t, "secrets/payments/db.env", "DB_PASSWORD=pay-s3cret\n")
	searchPath, search := tm.encrypt(t, "secrets/search/token.txt", "search-s3cret")
	// The payments file as if encrypted for a key of another account.
	foreign := []byte(strings.ReplaceAll(string(pay), tm.payments, other))

	check := func(name string, path string, data []byte, f secrets.Format, class secrets.KMSErrorClass, code string, recipient string) {
		t.Helper()
		_, err := secrets.Decrypt(ctx, path, data, f)
		var de *secrets.DecryptError
		if !errors.As(err, &de) {
			t.Errorf("%s: err = %v, want a *DecryptError", name, err)
			return
		}
		var ke *secrets.KMSError
		if !errors.As(err, &ke) || ke.Class != class || ke.Code != code {
			t.Errorf("%s: KMS error %+v, want class %s code %q", name, ke, class, code)
		}
		msg := err.Error()
		t.Logf("%s:\n%s", name, msg)
		for _, want := range []string{path, recipient, class.Text()} {
			if !strings.Contains(msg, want) {
				t.Errorf("%s: error does not say %q:\n%s", name, want, msg)
			}
		}
		for _, sdk := range []string{"operation error", "https response error", "RequestID", "StatusCode", "failed to refresh cached credentials"} {
			if strings.Contains(msg, sdk) {
				t.Errorf("%s: error carries the SDK's text %q:\n%s", name, sdk, msg)
			}
		}
		if strings.Contains(msg, "s3cret") {
			t.Errorf("%s: error leaks the value:\n%s", name, msg)
		}
	}

	tm.kms.Disable(t, tm.payments)
	check("disabled key", payPath, pay, secrets.Dotenv, secrets.KMSKeyDisabled, "DisabledException", kmsRecipient(tm.payments, "payments"))
	tm.kms.ScheduleDeletion(t, tm.searchKey)
	check("key pending deletion", searchPath, search, secrets.Binary, secrets.KMSKeyUnavailable, "KMSInvalidStateException", kmsRecipient(tm.search, "search"))
	check("key of another account", payPath, foreign, secrets.Dotenv, secrets.KMSKeyNotFound, "NotFoundException", kmsRecipient(other, "payments"))

	// No credentials at all, and a key whose aws_profile the identity
	// does not have: nothing is sent.
	testkms.NoCredentials(t)
	t.Setenv("AWS_ENDPOINT_URL_KMS", tm.kms.URL)
	check("no credentials", payPath, pay, secrets.Dotenv, secrets.KMSNoCredentials, "", kmsRecipient(tm.payments, "payments"))
	testkms.Profile(t, "search", testkms.AccessKeyID)
	withProfile := []byte(strings.Replace(string(pay), "sops_kms__list_0__map_aws_profile=\n", "sops_kms__list_0__map_aws_profile=payments\n", 1))
	check("no such profile", payPath, withProfile, secrets.Dotenv, secrets.KMSNoCredentials, "", tm.payments)
	if _, err := secrets.Decrypt(ctx, payPath, withProfile, secrets.Dotenv); err == nil || !strings.Contains(err.Error(), `aws_profile "payments"`) {
		t.Errorf("missing profile: %v", err)
	}

	// KMS down.
	testkms.Use(t, "http://127.0.0.1:1")
	check("unreachable", payPath, pay, secrets.Dotenv, secrets.KMSUnreachable, "", kmsRecipient(tm.payments, "payments"))
}

// yamlValues is a sops YAML file without its sops metadata, and the
// metadata's mac and lastmodified.
func yamlValues(t *testing.T, data []byte) (values map[string]any, mac, lastmodified string) {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	md, _ := doc["sops"].(map[string]any)
	delete(doc, "sops")
	mac, _ = md["mac"].(string)
	lastmodified = fmt.Sprint(md["lastmodified"])
	return doc, mac, lastmodified
}

// TestUpdateKeys: after a rule change, UpdateKeys re-encrypts the data
// key for the rule's keys (a team joins, then the first one leaves),
// leaving every value's ciphertext, the MAC and lastmodified as they
// were; the dry run and an up-to-date file change nothing.
func TestUpdateKeys(t *testing.T) {
	tm := newTeams(t)
	ctx := t.Context()
	tm.rules(t, map[string][]string{"shared": {tm.payments}})
	path, before := tm.encrypt(t, "secrets/shared/api.yaml", "token: shared-s3cret\nurl: https://example.com\n")

	out, change, err := secrets.UpdateKeys(ctx, path, before, secrets.YAML, false)
	if err != nil || change.Changed() || string(out) != string(before) {
		t.Fatalf("up-to-date file: changed %v, %v", change.Changed(), err)
	}

	// The search team joins.
	tm.rules(t, map[string][]string{"shared": {tm.payments, tm.search}})
	out, change, err = secrets.UpdateKeys(ctx, path, before, secrets.YAML, true)
	if err != nil || string(out) != string(before) {
		t.Fatalf("dry run: %v", err)
	}
	want := []secrets.GroupChange{{Kept: []string{kmsRecipient(tm.payments, "shared")}, Added: []string{kmsRecipient(tm.search, "shared")}}}
	if !change.Changed() || !reflect.DeepEqual(change.Groups, want) || change.Rule != filepath.Join(tm.dir, ".sops.yaml") {
		t.Errorf("dry run change %+v, want groups %+v", change, want)
	}
	joined, change, err := secrets.UpdateKeys(ctx, path, before, secrets.YAML, false)
	if err != nil || !reflect.DeepEqual(change.Groups, want) {
		t.Fatalf("update: %+v, %v", change, err)
	}
	sameValues := func(name string, data []byte) {
		t.Helper()
		v0, mac0, lm0 := yamlValues(t, before)
		v1, mac1, lm1 := yamlValues(t, data)
		if !reflect.DeepEqual(v0, v1) || mac0 != mac1 || lm0 != lm1 {
			t.Errorf("%s: values, MAC or lastmodified changed:\n%s\nwas\n%s", name, data, before)
		}
	}
	sameValues("search joined", joined)
	sameAsSops(t, secrets.YAML, joined)
	if got, err := secrets.Recipients(secrets.YAML, joined); err != nil || !reflect.DeepEqual(got, []string{kmsRecipient(tm.payments, "shared"), kmsRecipient(tm.search, "shared")}) {
		t.Errorf("recipients after the join: %v, %v", got, err)
	}

	// The payments team leaves; its key is disabled: the search key alone
	// opens the file, for berth and for sops.
	tm.rules(t, map[string][]string{"shared": {tm.search}})
	left, change, err := secrets.UpdateKeys(ctx, path, joined, secrets.YAML, false)
	if err != nil {
		t.Fatal(err)
	}
	want = []secrets.GroupChange{{Kept: []string{kmsRecipient(tm.search, "shared")}, Removed: []string{kmsRecipient(tm.payments, "shared")}}}
	if !reflect.DeepEqual(change.Groups, want) {
		t.Errorf("leave change %+v, want %+v", change.Groups, want)
	}
	sameValues("payments left", left)
	tm.kms.Disable(t, tm.payments)
	if got, err := secrets.Decrypt(ctx, path, left, secrets.YAML); err != nil || string(got) != "token: shared-s3cret\nurl: https://example.com\n" {
		t.Errorf("berth decrypts with the search key: %q, %v", got, err)
	}
	if got, err := sopsDecrypt(t, secrets.YAML, left); err != nil || !strings.Contains(string(got), "shared-s3cret") {
		t.Errorf("sops decrypts with the search key: %q, %v", got, err)
	}
	// A key of the rule the identity cannot encrypt for, then a file it
	// cannot open: UpdateKeys fails naming the file, which stays as it is.
	tm.rules(t, map[string][]string{"shared": {tm.payments}})
	if _, _, err := secrets.UpdateKeys(ctx, path, left, secrets.YAML, false); kmsClass(err) != secrets.KMSKeyDisabled || !strings.Contains(err.Error(), path) {
		t.Errorf("update for a disabled key: %v", err)
	}
	tm.kms.Disable(t, tm.searchKey)
	var de *secrets.DecryptError
	if _, _, err := secrets.UpdateKeys(ctx, path, left, secrets.YAML, false); !errors.As(err, &de) || kmsClass(err) != secrets.KMSKeyDisabled {
		t.Errorf("update of a file no key opens: %v", err)
	}
}

// TestUpdateKeysShamir: a rule going from one key group to two splits the
// same data key into Shamir parts; the file needs both groups after.
func TestUpdateKeysShamir(t *testing.T) {
	tm := newTeams(t)
	ctx := t.Context()
	tm.rules(t, map[string][]string{"shared": {tm.payments}})
	path, before := tm.encrypt(t, "secrets/shared/api.yaml", "token: shared-s3cret\n")
	conf := "creation_rules:\n  - path_regex: ^secrets/shared/\n    key_groups:\n" +
		"      - kms:\n          - arn: " + tm.payments + "\n" +
		"      - kms:\n          - arn: " + tm.search + "\n"
	if err := os.WriteFile(filepath.Join(tm.dir, ".sops.yaml"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	out, change, err := secrets.UpdateKeys(ctx, path, before, secrets.YAML, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(change.Groups) != 2 || change.NewThreshold != 2 || change.OldThreshold != 0 {
		t.Errorf("change %+v", change)
	}
	if got, err := secrets.Decrypt(ctx, path, out, secrets.YAML); err != nil || string(got) != "token: shared-s3cret\n" {
		t.Errorf("decrypt after the split: %q, %v", got, err)
	}
	tm.kms.Disable(t, tm.searchKey)
	if _, err := secrets.Decrypt(ctx, path, out, secrets.YAML); err == nil || !strings.Contains(err.Error(), "2 of 2 key groups needed") {
		t.Errorf("decrypt with one group's key disabled: %v", err)
	}
}
