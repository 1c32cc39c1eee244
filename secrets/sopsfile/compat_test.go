package sopsfile_test

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/getsops/sops/v3"
	sopsage "github.com/getsops/sops/v3/age"
	"github.com/getsops/sops/v3/kms"
	"github.com/getsops/sops/v3/version"

	"github.com/berth-dev/berth/secrets/internal/sopscompat"
	"github.com/berth-dev/berth/secrets/sopsfile"
)

// These tests hold sopsfile to the sops library itself (test code only:
// berth's binary does not link it): for every format, under every
// encryption rule and key layout, a file either side writes is read by
// the other with its MAC verified, gives the same plaintext, and is
// written back byte for byte.

// plaintexts are the files of each format the tests encrypt: comments
// where the format has them, nesting, every scalar type, empty values,
// keys the rules select.
var plaintexts = map[string][]string{
	"yaml": {
		"# head comment\na: 1\nb:\n  - x # inline\n  - 2.5\n  - true\n  # in the list\n  - {p: q}\nc: {d: true, e: null, f: -7}\n" +
			"long: |\n  multi\n  line\nempty: \"\"\nwhen: 2024-01-02T03:04:05Z\nkey_unencrypted: visible\nsecret_enc: hidden\n" +
			"anchor: &x {p: 1}\nref: *x\n# sops:enc\ntoken: t0k3n\n# sops:noenc\nplain: text\npassword: pw\n# foot\n",
		"first: doc\n---\n# second document\nsecond: [1, 2]\n",
		"key: value # trailing line comment\nlist: []\nmap: {}\nnum: 0x1F\nfloat: 1e3\n'quoted key': \"v\"\n",
	},
	"json": {
		`{"a": 1, "b": ["x", 2.5, true, null, {"p": "q"}], "c": {"d": false, "e": {}, "f": []}, "big": 12345678901234567890, ` +
			`"html": "<a&b>", "uni": "é\u2028", "key_unencrypted": "visible", "secret_enc": "hidden", "password": "pw", "empty": ""}`,
		`{}`,
	},
	"dotenv": {
		"# comment\nA=1\nB=x\\ny\nEMPTY=\nEQ=a=b\nKEY_unencrypted=visible\n# sops:enc\nPASSWORD=pw\n# sops:noenc\nPLAIN=text\nsecret_enc=hidden\n",
	},
	"ini": {
		"; top\n[db]\n; a comment\nuser = shop\npassword = pw ; trailing\nkey_unencrypted = visible\nsecret_enc = hidden\n\n[other]\nx = 1\n",
	},
	"binary": {"hunter2\nline two\n", "{\"json\": \"looking\"}"},
}

// ruleSets are the encryption rules of the tests' files (sops allows one
// selection rule per file).
var ruleSets = []struct {
	name  string
	rules sopsfile.Rules
}{
	{"default", sopsfile.Rules{UnencryptedSuffix: "_unencrypted"}},
	{"encrypted_suffix", sopsfile.Rules{EncryptedSuffix: "_enc"}},
	{"encrypted_regex", sopsfile.Rules{EncryptedRegex: "^(password|b|d|PASSWORD)$"}},
	{"unencrypted_regex", sopsfile.Rules{UnencryptedRegex: "^(user|a|A)$"}},
	{"encrypted_comment_regex", sopsfile.Rules{EncryptedCommentRegex: "sops:enc"}},
	{"unencrypted_comment_regex", sopsfile.Rules{UnencryptedCommentRegex: "sops:noenc"}},
	{"mac_only_encrypted", sopsfile.Rules{EncryptedRegex: "^(password|PASSWORD)$", MACOnlyEncrypted: true}},
}

// keyLayouts are the key groups of the tests' files: every key type sops
// knows (their encrypted data keys are stand-ins: these tests use the
// data key directly), in one group and in Shamir groups.
func keyLayouts(t *testing.T) map[string][]sops.KeyGroup {
	t.Helper()
	ageKey, err := sopsage.MasterKeyFromRecipient("age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p")
	if err != nil {
		t.Fatal(err)
	}
	ageKey.EncryptedKey = "-----BEGIN AGE ENCRYPTED FILE-----\nstand-in\n-----END AGE ENCRYPTED FILE-----\n"
	app, team := "shop", "payments"
	kmsKey := kms.NewMasterKeyWithProfile("arn:aws:kms:eu-west-1:111122223333:key/abc", "arn:aws:iam::111122223333:role/deploy",
		map[string]*string{"app": &app, "team": &team}, "prod")
	kmsKey.EncryptedKey = "AQICAHkms"
	other := sopscompat.NewStandIns()
	pgpKey, gcpKey, azKey, vaultKey := other.PGP, other.GCP, other.Azure, other.Vault
	return map[string][]sops.KeyGroup{
		"one group": {{ageKey, kmsKey, pgpKey, gcpKey, azKey, vaultKey}},
		"shamir":    {{ageKey, pgpKey}, {kmsKey, gcpKey}, {azKey, vaultKey}},
	}
}

func upstreamStore(format string) sops.Store { return sopscompat.Store(format) }

// upstreamEncrypt encrypts plain with the sops library.
func upstreamEncrypt(t *testing.T, format, plain string, groups []sops.KeyGroup, r sopsfile.Rules, key []byte) []byte {
	t.Helper()
	md := sops.Metadata{
		KeyGroups: groups, ShamirThreshold: min(2, len(groups)-1), Version: version.Version,
		UnencryptedSuffix: r.UnencryptedSuffix, EncryptedSuffix: r.EncryptedSuffix,
		UnencryptedRegex: r.UnencryptedRegex, EncryptedRegex: r.EncryptedRegex,
		UnencryptedCommentRegex: r.UnencryptedCommentRegex, EncryptedCommentRegex: r.EncryptedCommentRegex,
		MACOnlyEncrypted: r.MACOnlyEncrypted,
	}
	if len(groups) == 1 {
		md.ShamirThreshold = 0
	}
	out, err := sopscompat.Encrypt(format, plain, md, key)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// upstreamDecrypt decrypts with the sops library, verifying the MAC as
// `sops -d` does.
func upstreamDecrypt(format string, data, key []byte) ([]byte, error) {
	return sopscompat.Decrypt(format, data, key)
}

// upstreamRewrite loads an encrypted file with the sops library and
// writes it back unchanged: what sops writes for that tree and metadata.
func upstreamRewrite(t *testing.T, format string, data []byte) []byte {
	t.Helper()
	store := upstreamStore(format)
	tree, err := store.LoadEncryptedFile(data)
	if err != nil {
		t.Fatalf("sops loads:\n%s\n%v", data, err)
	}
	out, err := store.EmitEncryptedFile(tree)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func ourDecrypt(format string, data, key []byte) ([]byte, error) {
	s := sopsfile.StoreFor(format)
	tree, err := s.LoadEncrypted(data)
	if err != nil {
		return nil, err
	}
	if err := tree.Open(key, sopsfile.NewCipher()); err != nil {
		return nil, err
	}
	return s.EmitPlain(tree.Branches)
}

func dataKey(t *testing.T) []byte {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	return key
}

func TestCompatibleWithSops(t *testing.T) {
	layouts := keyLayouts(t)
	for format, plains := range plaintexts {
		for _, rs := range ruleSets {
			for layout, groups := range layouts {
				for i, plain := range plains {
					t.Run(fmt.Sprintf("%s/%s/%s/%d", format, rs.name, layout, i), func(t *testing.T) {
						compat(t, format, plain, groups, rs.rules)
					})
				}
			}
		}
	}
}

func compat(t *testing.T, format, plain string, groups []sops.KeyGroup, rules sopsfile.Rules) {
	key := dataKey(t)
	s := sopsfile.StoreFor(format)

	// Plaintext: read and written as sops does.
	ourBranches, err := s.LoadPlain([]byte(plain))
	if err != nil {
		t.Fatal(err)
	}
	ourPlain, err := s.EmitPlain(ourBranches)
	if err != nil {
		t.Fatal(err)
	}
	upBranches, err := upstreamStore(format).LoadPlainFile([]byte(plain))
	if err != nil {
		t.Fatal(err)
	}
	upPlain, err := upstreamStore(format).EmitPlainFile(upBranches)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ourPlain, upPlain) {
		t.Fatalf("plaintext written differently:\nsopsfile:\n%s\nsops:\n%s", ourPlain, upPlain)
	}

	// sops encrypts, sopsfile decrypts (MAC verified) and writes the file
	// back byte for byte, unsupported keys included.
	up := upstreamEncrypt(t, format, plain, groups, rules, key)
	tree, err := s.LoadEncrypted(up)
	if err != nil {
		t.Fatalf("sopsfile loads the file sops wrote:\n%s\n%v", up, err)
	}
	again, err := s.EmitEncrypted(tree)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, up) {
		t.Fatalf("sopsfile rewrites the file sops wrote differently:\nsops:\n%s\nsopsfile:\n%s", up, again)
	}
	got, err := ourDecrypt(format, up, key)
	if err != nil {
		t.Fatalf("sopsfile decrypts the file sops wrote:\n%s\n%v", up, err)
	}
	want, err := upstreamDecrypt(format, up, key)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("plaintext: sopsfile\n%s\nsops\n%s", got, want)
	}

	// sopsfile encrypts (with the metadata it read), sops decrypts with
	// the MAC verified and writes the file back byte for byte.
	tree.Branches, err = s.LoadPlain([]byte(plain))
	if err != nil {
		t.Fatal(err)
	}
	if err := tree.Seal(key, sopsfile.NewCipher(), time.Now()); err != nil {
		t.Fatal(err)
	}
	ours, err := s.EmitEncrypted(tree)
	if err != nil {
		t.Fatal(err)
	}
	viaSops, err := upstreamDecrypt(format, ours, key)
	if err != nil {
		t.Fatalf("sops decrypts the file sopsfile wrote:\n%s\n%v", ours, err)
	}
	if !bytes.Equal(viaSops, want) {
		t.Fatalf("plaintext of sopsfile's file: sops\n%s\nwant\n%s", viaSops, want)
	}
	if rewritten := upstreamRewrite(t, format, ours); !bytes.Equal(rewritten, ours) {
		t.Fatalf("sops rewrites the file sopsfile wrote differently:\nsopsfile:\n%s\nsops:\n%s", ours, rewritten)
	}

	// Tampering: a changed value, or two values swapped, fail both sides.
	for name, bad := range tampered(ours) {
		if _, err := ourDecrypt(format, bad, key); err == nil {
			t.Errorf("%s: sopsfile decrypts a tampered file:\n%s", name, bad)
		}
		if _, err := upstreamDecrypt(format, bad, key); err == nil {
			t.Errorf("%s: sops decrypts the tampered file (the test's tampering is wrong):\n%s", name, bad)
		}
	}
}

// tampered returns versions of an encrypted file with one ciphertext
// changed, and with its first two encrypted values swapped.
func tampered(data []byte) map[string][]byte {
	out := map[string][]byte{}
	s := string(data)
	values := encValues(s)
	if len(values) == 0 {
		return out
	}
	v := values[0]
	i := strings.Index(v, "data:") + len("data:")
	c := byte('A')
	if v[i] == 'A' {
		c = 'B'
	}
	out["changed value"] = []byte(strings.Replace(s, v, v[:i]+string(c)+v[i+1:], 1))
	if len(values) > 1 && values[0] != values[1] {
		swapped := strings.Replace(s, values[0], "\x00", 1)
		swapped = strings.Replace(swapped, values[1], values[0], 1)
		out["swapped values"] = []byte(strings.Replace(swapped, "\x00", values[1], 1))
	}
	return out
}

// encValues lists the ENC[...] values of the data (not the MAC, not
// comments: sops leaves those out of the MAC).
func encValues(s string) []string {
	var out []string
	for rest := s; ; {
		i := strings.Index(rest, "ENC[AES256_GCM,")
		if i < 0 {
			return out
		}
		j := strings.Index(rest[i:], "]")
		v := rest[i : i+j+1]
		before := rest[:i]
		rest = rest[i+j+1:]
		if strings.HasSuffix(v, "type:comment]") || strings.HasSuffix(strings.TrimRight(before, " =:\"\t"), "mac") {
			continue
		}
		out = append(out, v)
	}
}

// TestRejectsWhatSopsRejects: plaintexts sops refuses are refused.
func TestRejectsWhatSopsRejects(t *testing.T) {
	for format, inputs := range map[string][]string{
		"yaml":   {"# only a comment\n", "- a\n- b\n", "a: 1\na: 2\n", "just a string\n", "a: [unclosed\n"},
		"json":   {"[1, 2]", "", "\"s\"", `{"a": }`, `{"a": 1`},
		"dotenv": {"NOEQUALS\n"},
	} {
		for _, in := range inputs {
			_, upErr := upstreamStore(format).LoadPlainFile([]byte(in))
			_, ourErr := sopsfile.StoreFor(format).LoadPlain([]byte(in))
			if upErr == nil {
				t.Errorf("%s %q: sops accepts it (the test is wrong)", format, in)
			}
			if ourErr == nil {
				t.Errorf("%s %q: accepted, sops refuses it: %v", format, in, upErr)
			}
		}
	}
}

// TestVersion: new files record the sops version of the library this
// format was checked against (go.mod's).
func TestVersion(t *testing.T) {
	if sopsfile.Version != version.Version {
		t.Errorf("sopsfile.Version = %s, go.mod's sops is %s: check the format against it and update Version", sopsfile.Version, version.Version)
	}
}
