package secrets

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"regexp"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/berth-dev/berth/secrets/sopsfile"
)

// kmsSource encrypts and decrypts data keys with AWS KMS. The client comes
// from the standard AWS configuration chain (environment, shared config
// and credentials files, SSO, web identity, instance roles), with the
// key's aws_profile, in the key's region, assuming its role when it has
// one. AWS_ENDPOINT_URL_KMS (or AWS_ENDPOINT_URL) points it at another
// KMS endpoint, such as a local KMS for tests.
type kmsSource struct{}

func (kmsSource) encrypt(ctx context.Context, k *sopsfile.Key, dataKey []byte) error {
	client, err := kmsClient(ctx, *k)
	if err != nil {
		return err
	}
	arn := k.Field("arn")
	out, err := client.Encrypt(ctx, &kms.EncryptInput{KeyId: &arn, Plaintext: dataKey, EncryptionContext: kmsContext(*k)})
	if err != nil {
		return classifyKMS(ctx, err)
	}
	k.Set("enc", base64.StdEncoding.EncodeToString(out.CiphertextBlob))
	k.Set("created_at", time.Now().UTC().Format(time.RFC3339))
	return nil
}

func (kmsSource) decrypt(ctx context.Context, k sopsfile.Key) ([]byte, error) {
	blob, err := base64.StdEncoding.DecodeString(k.Field("enc"))
	if err != nil {
		return nil, fmt.Errorf("the encrypted data key is not base64: %w", err)
	}
	client, err := kmsClient(ctx, k)
	if err != nil {
		return nil, err
	}
	arn := k.Field("arn")
	out, err := client.Decrypt(ctx, &kms.DecryptInput{KeyId: &arn, CiphertextBlob: blob, EncryptionContext: kmsContext(k)})
	if err != nil {
		return nil, classifyKMS(ctx, err)
	}
	return out.Plaintext, nil
}

// kmsContext is the key's encryption context.
func kmsContext(k sopsfile.Key) map[string]string {
	b, _ := k.Value("context").(sopsfile.Branch)
	if len(b) == 0 {
		return nil
	}
	out := map[string]string{}
	for _, it := range b {
		if name, ok := it.Key.(string); ok {
			s, _ := it.Value.(string)
			out[name] = s
		}
	}
	return out
}

// kmsClient builds the KMS client for key k, with its credentials
// retrieved: a key the identity has no credentials for fails here, as a
// *KMSError of class KMSNoCredentials (or the STS error of its role).
func kmsClient(ctx context.Context, k sopsfile.Key) (*kms.Client, error) {
	// The ARN of a KMS key or alias; the first group is its region.
	m := regexp.MustCompile(`^arn:aws[\w-]*:kms:(.+):[0-9]+:(key|alias)/.+$`).FindStringSubmatch(k.Field("arn"))
	if m == nil {
		return nil, fmt.Errorf("%q is not the ARN of a KMS key", k.Field("arn"))
	}
	opts := []func(*config.LoadOptions) error{config.WithRegion(m[1])}
	if p := k.Field("aws_profile"); p != "" {
		opts = append(opts, config.WithSharedConfigProfile(p))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		var noProfile config.SharedConfigProfileNotExistError
		if errors.As(err, &noProfile) {
			return nil, credentialsError(ctx, err, k.Field("aws_profile"), "")
		}
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	if role := k.Field("role"); role != "" {
		session := "berth"
		if host, err := os.Hostname(); err == nil {
			session = stsSessionName("berth@" + host)
		}
		cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), role, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = session
		}))
	}
	if cfg.Credentials == nil {
		return nil, credentialsError(ctx, errors.New("no credentials provider"), k.Field("aws_profile"), k.Field("role"))
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return nil, credentialsError(ctx, err, k.Field("aws_profile"), k.Field("role"))
	}
	return kms.NewFromConfig(cfg), nil
}

// stsSessionName keeps the characters STS allows in a role session name,
// at most 64 of them.
func stsSessionName(s string) string {
	out := regexp.MustCompile(`[^a-zA-Z0-9=,.@_-]+`).ReplaceAllString(s, "")
	if len(out) > 64 {
		out = out[:64]
	}
	return out
}
