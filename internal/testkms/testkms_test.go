package testkms_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/smithy-go"

	"github.com/berth-dev/berth/internal/testkms"
)

// TestLocalKMS: the server answers KMS's API through the standard AWS
// configuration chain, binds ciphertexts to their encryption context, and
// refuses disabled keys, keys pending deletion and unknown keys with the
// error codes AWS KMS uses.
func TestLocalKMS(t *testing.T) {
	s := testkms.Start(t)
	ctx := t.Context()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(testkms.Region))
	if err != nil {
		t.Fatal(err)
	}
	c := kms.NewFromConfig(cfg) // AWS_ENDPOINT_URL_KMS from Start
	key := s.CreateKey(t, "team a")
	alias := s.CreateAlias(t, "alias/team-a", key)
	encCtx := map[string]string{"team": "a"}
	enc, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(alias), Plaintext: []byte("data key"), EncryptionContext: encCtx})
	if err != nil {
		t.Fatal(err)
	}
	dec, err := c.Decrypt(ctx, &kms.DecryptInput{KeyId: aws.String(key), CiphertextBlob: enc.CiphertextBlob, EncryptionContext: encCtx})
	if err != nil || string(dec.Plaintext) != "data key" {
		t.Fatalf("decrypt: %q, %v", dec.Plaintext, err)
	}
	code := func(keyID string, encCtx map[string]string) string {
		_, err := c.Decrypt(ctx, &kms.DecryptInput{KeyId: aws.String(keyID), CiphertextBlob: enc.CiphertextBlob, EncryptionContext: encCtx})
		var api smithy.APIError
		if !errors.As(err, &api) {
			return "no API error: " + errString(err)
		}
		return api.ErrorCode()
	}
	if got := code(key, map[string]string{"team": "b"}); got != "InvalidCiphertextException" {
		t.Errorf("another encryption context: %s", got)
	}
	if got := code(testkms.OtherAccountKey("1234abcd-12ab-34cd-56ef-1234567890ab"), encCtx); got != "NotFoundException" {
		t.Errorf("a key of another account: %s", got)
	}
	s.Disable(t, key)
	if got := code(key, encCtx); got != "DisabledException" {
		t.Errorf("disabled key: %s", got)
	}
	s.Enable(t, key)
	s.ScheduleDeletion(t, key)
	if got := code(key, encCtx); got != "KMSInvalidStateException" {
		t.Errorf("key pending deletion: %s", got)
	}
	if st := s.State(t, key); st != "PendingDeletion" {
		t.Errorf("state %s", st)
	}
}

func errString(err error) string {
	if err == nil {
		return "nil"
	}
	return err.Error()
}
