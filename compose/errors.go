package compose

import "fmt"

// ConvertError is a conversion failure tied to a compose key, with its
// position in the compose files when known.
type ConvertError struct {
	Service string
	Key     string // full key path, e.g. services.web.env_file.0
	File    string
	Line    int
	Err     error
}

func (e *ConvertError) Error() string {
	if e.File != "" && e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s: %v", e.File, e.Line, e.Key, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Key, e.Err)
}

func (e *ConvertError) Unwrap() error { return e.Err }

// fail builds a ConvertError for a service key ("" service for top level).
func (c *converter) fail(service, key string, err error) error {
	full := key
	if service != "" {
		full = "services." + service + "." + key
	}
	e := &ConvertError{Service: service, Key: full, Err: err}
	e.File, e.Line = c.warn.pos.lookup(full)
	return e
}
