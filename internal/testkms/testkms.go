// Package testkms runs a local AWS KMS server for tests: local-kms
// (github.com/nsmithuk/local-kms, the version internal/testkms/tool/go.mod
// pins), built once into berth's cache and started per test on a free
// port, with its data in the test's temporary directory. The code under
// test reaches it as it reaches AWS: the standard AWS configuration chain,
// with AWS_ENDPOINT_URL_KMS pointing at the server.
//
// local-kms implements KMS's JSON API (keys, aliases, Encrypt, Decrypt
// with encryption contexts, DisableKey, ScheduleKeyDeletion) but not IAM:
// every signed request is allowed. A test models an identity that cannot
// use a key with a disabled key, a key pending deletion, a key of another
// account (not found), or credentials the identity does not have.
package testkms

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// The account and region of a Server's keys.
const (
	Account = "111122223333"
	Region  = "eu-west-1"
)

// The identity Start gives the code under test; local-kms accepts any.
const (
	AccessKeyID     = "AKIDLOCALKMS"
	secretAccessKey = "local-kms-secret"
)

// Server is a running local KMS.
type Server struct {
	// URL is the server's endpoint, http://127.0.0.1:PORT.
	URL    string
	client *kms.Client // berth's own calls to set up keys
}

// Start starts a local KMS for the test and points the AWS configuration
// chain at it (see Use); the server stops when the test ends. In -short
// mode the test is skipped.
func Start(t testing.TB) *Server {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: starts a local KMS server")
	}
	bin, err := Binary()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = append(os.Environ(),
		"PORT=0", // any free port; the server logs the one it got
		"KMS_ACCOUNT_ID="+Account,
		"KMS_REGION="+Region,
		"KMS_DATA_PATH="+filepath.Join(dir, "data"),
		"KMS_SEED_PATH="+filepath.Join(dir, "seed.yaml"), // none: no seeding
	)
	logFile, err := os.Create(filepath.Join(dir, "local-kms.log"))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start local-kms: %v", err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		pw.Close()
		close(exited)
	}()
	t.Cleanup(func() {
		cancel()
		<-exited
		logFile.Close()
	})
	port := make(chan string, 1)
	go func() {
		// "... Local KMS started on 0.0.0.0:PORT" (with colour codes).
		started := regexp.MustCompile(`Local KMS started on [^ ]*:([0-9]+)`)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			fmt.Fprintln(logFile, sc.Text())
			if m := started.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case port <- m[1]:
				default:
				}
			}
		}
		_, _ = io.Copy(logFile, pr)
	}()
	var url string
	select {
	case p := <-port:
		url = "http://127.0.0.1:" + p
	case <-exited:
		t.Fatalf("local-kms exited at start; its log: %s", readLog(logFile.Name()))
	case <-time.After(30 * time.Second):
		t.Fatalf("local-kms did not start in 30s; its log: %s", readLog(logFile.Name()))
	}
	s := &Server{URL: url}
	s.client = kms.New(kms.Options{
		Region:       Region,
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKeyID, secretAccessKey, ""),
	})
	Use(t, url)
	return s
}

func readLog(path string) string {
	raw, _ := os.ReadFile(path)
	return string(raw)
}

// Use makes url the KMS endpoint of the standard AWS configuration chain
// and the static identity AccessKeyID its only credentials: the
// developer's own AWS configuration (profiles, SSO, instance roles) is out
// of reach until the test ends. Not for parallel tests.
func Use(t testing.TB, url string) {
	t.Helper()
	NoCredentials(t)
	t.Setenv("AWS_ENDPOINT_URL_KMS", url)
	t.Setenv("AWS_ACCESS_KEY_ID", AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secretAccessKey)
}

// NoCredentials leaves the AWS configuration chain without any credentials:
// no variables, empty shared config and credentials files, no instance
// metadata. Not for parallel tests.
func NoCredentials(t testing.TB) {
	t.Helper()
	for _, v := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"} {
		t.Setenv(v, "") // restored when the test ends
		os.Unsetenv(v)
	}
	dir := t.TempDir()
	for v, name := range map[string]string{"AWS_CONFIG_FILE": "config", "AWS_SHARED_CREDENTIALS_FILE": "credentials"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		t.Setenv(v, p)
	}
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// Profile adds a profile with its own static credentials to the shared
// credentials file NoCredentials (or Start) made.
func Profile(t testing.TB, name, accessKeyID string) {
	t.Helper()
	p := os.Getenv("AWS_SHARED_CREDENTIALS_FILE")
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatalf("credentials file (call Start or NoCredentials first): %v", err)
	}
	defer f.Close()
	if _, err := fmt.Fprintf(f, "[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n", name, accessKeyID, secretAccessKey); err != nil {
		t.Fatal(err)
	}
}

// CreateKey creates a symmetric encryption key and returns its ARN.
func (s *Server) CreateKey(t testing.TB, description string) string {
	t.Helper()
	out, err := s.client.CreateKey(t.Context(), &kms.CreateKeyInput{Description: aws.String(description)})
	if err != nil {
		t.Fatalf("local-kms CreateKey: %v", err)
	}
	return aws.ToString(out.KeyMetadata.Arn)
}

// CreateAlias names key with alias ("alias/..."), returning the alias ARN.
func (s *Server) CreateAlias(t testing.TB, alias, keyARN string) string {
	t.Helper()
	if _, err := s.client.CreateAlias(t.Context(), &kms.CreateAliasInput{AliasName: aws.String(alias), TargetKeyId: aws.String(keyARN)}); err != nil {
		t.Fatalf("local-kms CreateAlias %s: %v", alias, err)
	}
	return "arn:aws:kms:" + Region + ":" + Account + ":" + alias
}

// Disable disables a key (its ID or key ARN: KMS's admin calls take no
// alias): KMS refuses it with DisabledException.
func (s *Server) Disable(t testing.TB, keyARN string) {
	t.Helper()
	if _, err := s.client.DisableKey(t.Context(), &kms.DisableKeyInput{KeyId: aws.String(keyARN)}); err != nil {
		t.Fatalf("local-kms DisableKey: %v", err)
	}
}

// Enable enables a disabled key again.
func (s *Server) Enable(t testing.TB, keyARN string) {
	t.Helper()
	if _, err := s.client.EnableKey(t.Context(), &kms.EnableKeyInput{KeyId: aws.String(keyARN)}); err != nil {
		t.Fatalf("local-kms EnableKey: %v", err)
	}
}

// ScheduleDeletion schedules a key's deletion (its ID or key ARN) in 7
// days: KMS refuses it with KMSInvalidStateException meanwhile.
func (s *Server) ScheduleDeletion(t testing.TB, keyARN string) {
	t.Helper()
	if _, err := s.client.ScheduleKeyDeletion(t.Context(), &kms.ScheduleKeyDeletionInput{KeyId: aws.String(keyARN), PendingWindowInDays: aws.Int32(7)}); err != nil {
		t.Fatalf("local-kms ScheduleKeyDeletion: %v", err)
	}
}

// State is a key's state (Enabled, Disabled, PendingDeletion, ...).
func (s *Server) State(t testing.TB, keyARN string) types.KeyState {
	t.Helper()
	out, err := s.client.DescribeKey(t.Context(), &kms.DescribeKeyInput{KeyId: aws.String(keyARN)})
	if err != nil {
		t.Fatalf("local-kms DescribeKey: %v", err)
	}
	return out.KeyMetadata.KeyState
}

// OtherAccountKey is the ARN of a key in another account, which the
// server does not hold: KMS answers NotFoundException, as AWS does for a
// key that does not exist (AWS answers AccessDeniedException when it
// exists and its policy does not let the caller in).
func OtherAccountKey(id string) string {
	return "arn:aws:kms:" + Region + ":999988887777:key/" + strings.TrimPrefix(id, "key/")
}
