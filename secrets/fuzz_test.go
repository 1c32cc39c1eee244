package secrets_test

import (
	"context"
	"testing"
	"time"

	"github.com/berth-dev/berth/secrets"
	"github.com/berth-dev/berth/secrets/secretstest"
)

// FuzzDetect: detection and decryption never panic on arbitrary files.
func FuzzDetect(f *testing.F) {
	rule, err := secrets.AgeRule([]string{secretstest.Identity(f).Recipient().String()})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range samples {
		enc, err := secrets.Encrypt(context.Background(), s.name, []byte(s.plain), s.format, rule)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(s.name, enc)
	}
	f.Add("x", []byte(`{"data": "ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]", "sops": {"mac": "m", "version": "3"}}`))
	f.Add("x.env", []byte("sops_mac=x\nsops_version=3\n"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			if f, ok := secrets.Detect(name, data); ok {
				_, _ = secrets.Recipients(f, data)
			}
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("Detect(%q, %q) takes more than 5s", name, data)
		}
	})
}
