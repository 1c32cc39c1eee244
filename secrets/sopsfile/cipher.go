package sopsfile

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ivSize is the nonce length sops uses for AES-GCM (not GCM's usual 12).
const ivSize = 32

// Cipher encrypts tree values with a file's 256-bit data key as sops does:
// AES-GCM with the value's path as additional data, written as
// ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]. It remembers the IV of every
// value it decrypted, so re-encrypting an unchanged value (after an edit)
// gives the same ciphertext and the file's diff shows only real changes.
type Cipher struct {
	ivs map[stashKey][]byte
}

type stashKey struct {
	aad   string
	value any
}

// NewCipher returns a Cipher with no remembered IVs.
func NewCipher() *Cipher { return &Cipher{ivs: map[stashKey][]byte{}} }

// Encrypt encrypts a string, int, float64, bool, time.Time or Comment. The
// empty string (and an empty comment) stays empty, as in sops.
func (c *Cipher) Encrypt(v any, key []byte, aad string) (string, error) {
	var plain []byte
	var typ string
	switch v := v.(type) {
	case string:
		if v == "" {
			return "", nil
		}
		typ, plain = "str", []byte(v)
	case int:
		typ, plain = "int", []byte(strconv.Itoa(v))
	case float64:
		typ, plain = "float", []byte(strconv.FormatFloat(v, 'f', -1, 64))
	case bool:
		typ, plain = "bool", []byte("False")
		if v {
			plain = []byte("True")
		}
	case time.Time:
		b, err := v.MarshalText()
		if err != nil {
			return "", err
		}
		typ, plain = "time", b
	case Comment:
		if v.Value == "" {
			return "", nil
		}
		typ, plain = "comment", []byte(v.Value)
	default:
		return "", fmt.Errorf("cannot encrypt a value of type %T", v)
	}
	iv, ok := c.ivs[stashKey{aad: aad, value: v}]
	if !ok {
		iv = make([]byte, ivSize)
		if _, err := rand.Read(iv); err != nil {
			return "", err
		}
	}
	gcm, err := newGCM(key, len(iv))
	if err != nil {
		return "", err
	}
	sealed := gcm.Seal(nil, iv, plain, []byte(aad))
	data, tag := sealed[:len(sealed)-gcm.Overhead()], sealed[len(sealed)-gcm.Overhead():]
	b64 := base64.StdEncoding.EncodeToString
	return "ENC[AES256_GCM,data:" + b64(data) + ",iv:" + b64(iv) + ",tag:" + b64(tag) + ",type:" + typ + "]", nil
}

// Decrypt decrypts a value Encrypt wrote, returning it with its type. The
// empty string decrypts to itself.
func (c *Cipher) Decrypt(s string, key []byte, aad string) (any, error) {
	if s == "" {
		return "", nil
	}
	data, iv, tag, typ, err := parseValue(s)
	if err != nil {
		return nil, err
	}
	gcm, err := newGCM(key, len(iv))
	if err != nil {
		return nil, err
	}
	plain, err := gcm.Open(nil, iv, append(data, tag...), []byte(aad))
	if err != nil {
		return nil, errors.New("AES-GCM authentication failed (a wrong key, or a changed value)")
	}
	var v any
	switch typ {
	case "str":
		v = string(plain)
	case "int":
		v, err = strconv.Atoi(string(plain))
	case "float":
		v, err = strconv.ParseFloat(string(plain), 64)
	case "bytes":
		v = plain
	case "bool":
		v, err = strconv.ParseBool(string(plain))
	case "time":
		var t time.Time
		err = t.UnmarshalText(plain)
		v = t
	case "comment":
		v = Comment{Value: string(plain)}
	default:
		return nil, fmt.Errorf("unknown value type %q", typ)
	}
	if err != nil {
		return nil, fmt.Errorf("decrypted %s value: %w", typ, err)
	}
	if key, ok := stashable(v, aad); ok {
		c.ivs[key] = iv
	}
	return v, nil
}

// stashable returns the key under which v's IV is remembered; []byte
// values (type bytes, which sops never writes) are not comparable.
func stashable(v any, aad string) (stashKey, bool) {
	if _, isBytes := v.([]byte); isBytes {
		return stashKey{}, false
	}
	return stashKey{aad: aad, value: v}, true
}

func newGCM(key []byte, ivSize int) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	if ivSize == 0 {
		return nil, errors.New("empty IV")
	}
	return cipher.NewGCMWithNonceSize(block, ivSize)
}

// parseValue splits ENC[AES256_GCM,data:…,iv:…,tag:…,type:…].
func parseValue(s string) (data, iv, tag []byte, typ string, err error) {
	body, ok := strings.CutPrefix(s, "ENC[AES256_GCM,data:")
	if ok {
		body, _, ok = strings.Cut(body, "]")
	}
	var dataS, ivs, tags string
	if ok {
		dataS, body, ok = strings.Cut(body, ",iv:")
	}
	if ok {
		ivs, body, ok = strings.Cut(body, ",tag:")
	}
	if ok {
		tags, typ, ok = strings.Cut(body, ",type:")
	}
	if !ok || dataS == "" || ivs == "" || tags == "" || typ == "" {
		return nil, nil, nil, "", errors.New("not an encrypted sops value")
	}
	dec := base64.StdEncoding.DecodeString
	if data, err = dec(dataS); err == nil {
		if iv, err = dec(ivs); err == nil {
			tag, err = dec(tags)
		}
	}
	if err != nil {
		return nil, nil, nil, "", fmt.Errorf("encrypted sops value: %w", err)
	}
	return data, iv, tag, typ, nil
}
