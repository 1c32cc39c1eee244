package secrets

import (
	"fmt"
	"strings"

	"github.com/berth-dev/berth/secrets/sopsfile"
)

// Format is a sops file format: how a file's plaintext is structured and
// where its sops metadata lives.
type Format string

// The sops file formats. Binary keeps the whole plaintext as one value (in a
// JSON document with the sops metadata); the others encrypt each value.
const (
	Binary Format = "binary"
	YAML   Format = "yaml"
	JSON   Format = "json"
	Dotenv Format = "dotenv"
	INI    Format = "ini"
)

// allFormats lists every format, in the order Detect tries them.
func allFormats() []Format { return []Format{Binary, JSON, YAML, Dotenv, INI} }

// ParseFormat parses a format name; "" means the format for path.
func ParseFormat(name, path string) (Format, error) {
	if name == "" {
		return FormatForPath(path), nil
	}
	for _, f := range allFormats() {
		if string(f) == name {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown format %q (want binary, yaml, json, dotenv or ini)", name)
}

// FormatForPath returns the format sops infers from a file name:
// .yaml/.yml, .json, .env, .ini, else binary.
func FormatForPath(path string) Format {
	switch {
	case strings.HasSuffix(path, ".yaml"), strings.HasSuffix(path, ".yml"):
		return YAML
	case strings.HasSuffix(path, ".json"):
		return JSON
	case strings.HasSuffix(path, ".env"):
		return Dotenv
	case strings.HasSuffix(path, ".ini"):
		return INI
	}
	return Binary
}

// store returns the sops store of f (sops's default settings).
func (f Format) store() sopsfile.Store {
	if s := sopsfile.StoreFor(string(f)); s != nil {
		return s
	}
	return sopsfile.StoreFor(string(Binary))
}

// Ext is the file extension sops reads f from: "" for Binary.
func (f Format) Ext() string {
	switch f {
	case YAML:
		return ".yaml"
	case JSON:
		return ".json"
	case Dotenv:
		return ".env"
	case INI:
		return ".ini"
	}
	return ""
}
