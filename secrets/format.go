package secrets

import (
	"fmt"

	"github.com/getsops/sops/v3/cmd/sops/common"
	"github.com/getsops/sops/v3/cmd/sops/formats"
	"github.com/getsops/sops/v3/config"
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
	switch formats.FormatForPath(path) {
	case formats.Yaml:
		return YAML
	case formats.Json:
		return JSON
	case formats.Dotenv:
		return Dotenv
	case formats.Ini:
		return INI
	}
	return Binary
}

// store returns the sops store of f.
func (f Format) store() common.Store {
	return common.StoreForFormat(formats.FormatFromString(string(f)), config.NewStoresConfig())
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
