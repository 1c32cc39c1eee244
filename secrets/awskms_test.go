package secrets_test

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/kms"

	"github.com/berth-dev/berth/secrets"
	"github.com/berth-dev/berth/secrets/secretstest"
)

// kmsStandIn answers the two calls of AWS KMS's JSON API that sops makes
// (TrentService.Encrypt and Decrypt), sealing with its own AES key and
// binding the key ID and encryption context, as KMS does. It stands in
// for KMS to check what berth sends and records and that the sops library
// reads it; issue 21 runs the same path against a local KMS server.
type kmsStandIn struct {
	aead  cipher.AEAD
	mu    sync.Mutex
	calls []string        // "Encrypt KEY-ID by ACCESS-KEY-ID in REGION"
	deny  map[string]bool // key IDs whose Decrypt is AccessDeniedException
}

func newKMSStandIn(t *testing.T) *kmsStandIn {
	t.Helper()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	k := &kmsStandIn{aead: aead}
	srv := httptest.NewServer(k)
	t.Cleanup(srv.Close)
	// The standard AWS configuration chain, isolated from the developer's.
	t.Setenv("AWS_ENDPOINT_URL_KMS", srv.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, v := range []string{"AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
	return k
}

type kmsRequest struct {
	KeyId             string
	Plaintext         []byte
	CiphertextBlob    []byte
	EncryptionContext map[string]string
}

// aad binds a ciphertext to its key and encryption context (none and an
// empty one are the same to KMS).
func (r kmsRequest) aad() []byte {
	var ctx map[string]string
	if len(r.EncryptionContext) > 0 {
		ctx = r.EncryptionContext
	}
	b, _ := json.Marshal([]any{r.KeyId, ctx}) // map keys sorted
	return b
}

func (k *kmsStandIn) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	var in kmsRequest
	if err := json.NewDecoder(req.Body).Decode(&in); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	op := strings.TrimPrefix(req.Header.Get("X-Amz-Target"), "TrentService.")
	// Credential=AKID/DATE/REGION/kms/aws4_request: who signed, for where.
	_, scope, _ := strings.Cut(req.Header.Get("Authorization"), "Credential=")
	parts := strings.Split(scope, "/")
	if len(parts) < 3 {
		parts = []string{"unsigned", "", "no region"}
	}
	k.mu.Lock()
	k.calls = append(k.calls, fmt.Sprintf("%s %s by %s in %s", op, in.KeyId, parts[0], parts[2]))
	k.mu.Unlock()
	fail := func(typ, msg string) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"__type": %q, "message": %q}`, typ, msg)
	}
	var out map[string]any
	switch op {
	case "Encrypt":
		nonce := make([]byte, k.aead.NonceSize())
		rand.Read(nonce)
		out = map[string]any{"KeyId": in.KeyId, "CiphertextBlob": k.aead.Seal(nonce, nonce, in.Plaintext, in.aad())}
	case "Decrypt":
		k.mu.Lock()
		denied := k.deny[in.KeyId]
		k.mu.Unlock()
		if denied { // AWS's words for an identity the key policy leaves out
			fail("AccessDeniedException", "User: arn:aws:sts::111122223333:assumed-role/search-dev/alice is not authorized to perform: kms:Decrypt on this resource because the resource does not exist in this Region, no resource-based policies allow access, or a resource-based policy explicitly denies access")
			return
		}
		n := k.aead.NonceSize()
		if len(in.CiphertextBlob) < n {
			fail("InvalidCiphertextException", "short")
			return
		}
		plain, err := k.aead.Open(nil, in.CiphertextBlob[:n], in.CiphertextBlob[n:], in.aad())
		if err != nil {
			fail("InvalidCiphertextException", "wrong key or encryption context")
			return
		}
		out = map[string]any{"KeyId": in.KeyId, "Plaintext": plain}
	default:
		fail("UnsupportedOperationException", op)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	json.NewEncoder(w).Encode(out)
}

// Deny makes Decrypt with keyID fail with AccessDeniedException.
func (k *kmsStandIn) Deny(keyID string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.deny == nil {
		k.deny = map[string]bool{}
	}
	k.deny[keyID] = true
}

func (k *kmsStandIn) Calls() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return slices.Clone(k.calls)
}

const testKMSKey = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

// TestKMSWithSops: a file berth encrypts for a KMS key (with an
// encryption context, through AWS_ENDPOINT_URL_KMS) decrypts with the
// sops library, and one sops encrypts for that key decrypts with berth.
func TestKMSWithSops(t *testing.T) {
	k := newKMSStandIn(t)
	secretstest.Use(t, "") // no age identity: KMS or nothing
	conf := "creation_rules:\n  - key_groups:\n      - kms:\n          - arn: " + testKMSKey + "\n            context: {app: shop}\n"
	plain := "PASSWORD=kms-s3cret\n"
	path, enc := encryptByRule(t, conf, "creds.env", plain, secrets.Dotenv)
	if got, err := sopsDecrypt(t, secrets.Dotenv, enc); err != nil || string(got) != plain {
		t.Errorf("sops decrypts berth's KMS file to %q, %v:\n%s", got, err, enc)
	}
	sameAsSops(t, secrets.Dotenv, enc)
	if got, err := secrets.Decrypt(t.Context(), path, enc, secrets.Dotenv); err != nil || string(got) != plain {
		t.Errorf("berth decrypts its KMS file to %q, %v", got, err)
	}

	app := "shop"
	key := kms.NewMasterKey(testKMSKey, "", map[string]*string{"app": &app})
	viaSops := sopsEncryptWith(t, secrets.YAML, "token: from-sops\n", key)
	if got, err := secrets.Decrypt(t.Context(), "from-sops.yaml", viaSops, secrets.YAML); err != nil || string(got) != "token: from-sops\n" {
		t.Errorf("berth decrypts sops's KMS file to %q, %v", got, err)
	}
	if rs, _ := secrets.Recipients(secrets.YAML, viaSops); !reflect.DeepEqual(rs, []string{"kms:" + testKMSKey + "|app:shop"}) {
		t.Errorf("Recipients = %v", rs)
	}
	call := func(op string) string { return op + " " + testKMSKey + " by AKIDTEST in eu-west-1" }
	want := []string{call("Encrypt"), call("Decrypt"), call("Decrypt"), call("Encrypt"), call("Decrypt")}
	if got := k.Calls(); !reflect.DeepEqual(got, want) {
		t.Errorf("KMS calls %v, want %v", got, want)
	}

	// Another encryption context is another key to KMS: refused.
	tampered := strings.Replace(string(enc), "map_app=shop", "map_app=other", 1)
	if _, err := secrets.Decrypt(t.Context(), path, []byte(tampered), secrets.Dotenv); err == nil || !strings.Contains(err.Error(), "InvalidCiphertextException") {
		t.Errorf("decrypt with a changed encryption context: %v", err)
	}
}

// TestKMSProfile: a key's aws_profile picks the credentials of that
// profile of the shared AWS files, for berth and for sops alike.
func TestKMSProfile(t *testing.T) {
	k := newKMSStandIn(t)
	secretstest.Use(t, "")
	os.Unsetenv("AWS_ACCESS_KEY_ID")
	os.Unsetenv("AWS_SECRET_ACCESS_KEY")
	creds := "[prod]\naws_access_key_id = AKIDPROD\naws_secret_access_key = prod-secret\n"
	if err := os.WriteFile(os.Getenv("AWS_SHARED_CREDENTIALS_FILE"), []byte(creds), 0o600); err != nil {
		t.Fatal(err)
	}
	conf := "creation_rules:\n  - kms: " + testKMSKey + "\n    aws_profile: prod\n"
	path, enc := encryptByRule(t, conf, "token.txt", "profile-s3cret", secrets.Binary)
	if got, err := sopsDecrypt(t, secrets.Binary, enc); err != nil || string(got) != "profile-s3cret" {
		t.Errorf("sops decrypts %q, %v", got, err)
	}
	if got, err := secrets.Decrypt(t.Context(), path, enc, secrets.Binary); err != nil || string(got) != "profile-s3cret" {
		t.Errorf("berth decrypts %q, %v", got, err)
	}
	call := func(op string) string { return op + " " + testKMSKey + " by AKIDPROD in eu-west-1" }
	if got, want := k.Calls(), []string{call("Encrypt"), call("Decrypt"), call("Decrypt")}; !reflect.DeepEqual(got, want) {
		t.Errorf("KMS calls %v, want %v", got, want)
	}
}

// sopsEncryptWith encrypts plain with the sops library for one master
// key, which encrypts the data key itself.
func sopsEncryptWith(t *testing.T, f secrets.Format, plain string, key *kms.MasterKey) []byte {
	t.Helper()
	dataKey := make([]byte, 32)
	rand.Read(dataKey)
	if err := key.EncryptContext(t.Context(), dataKey); err != nil {
		t.Fatalf("sops encrypts the data key with KMS: %v", err)
	}
	return sopsEncryptKey(t, f, plain, dataKey, sops.KeyGroup{key})
}

// TestKMSAccessDenied: a key whose policy leaves the identity out (which
// local-kms, without IAM, cannot model; the stand-in answers as AWS does)
// fails as class AccessDenied, with AWS's message naming the identity.
func TestKMSAccessDenied(t *testing.T) {
	k := newKMSStandIn(t)
	secretstest.Use(t, "")
	path, enc := encryptByRule(t, "creation_rules:\n  - kms: "+testKMSKey+"\n", "token.txt", "denied-s3cret", secrets.Binary)
	k.Deny(testKMSKey)
	_, err := secrets.Decrypt(t.Context(), path, enc, secrets.Binary)
	var ke *secrets.KMSError
	if !errors.As(err, &ke) || ke.Class != secrets.KMSAccessDenied || ke.Code != "AccessDeniedException" {
		t.Fatalf("err = %v, want a KMS AccessDenied error", err)
	}
	msg := err.Error()
	for _, want := range []string{path, "kms:" + testKMSKey, "access denied (AccessDeniedException)", "assumed-role/search-dev/alice is not authorized to perform: kms:Decrypt"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not say %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "operation error") || strings.Contains(msg, "denied-s3cret") {
		t.Errorf("error carries SDK text or the value:\n%s", msg)
	}
	a, err := secrets.Access(t.Context(), path, enc, secrets.Binary)
	if err != nil || a.CanOpen() || len(a.Keys) != 1 || !errors.As(a.Keys[0].Err, &ke) || ke.Class != secrets.KMSAccessDenied {
		t.Errorf("Access = %+v, %v", a, err)
	}
}
