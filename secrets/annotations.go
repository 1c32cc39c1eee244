package secrets

// The contract between `berth convert`, which keeps sops-encrypted secret
// files encrypted in the kustomize tree, and `berth up`, which decrypts
// them in memory.
const (
	// AnnotationSOPS marks a secretGenerator (through its options, so the
	// Secret carries it too) whose files are sops-encrypted; the value is
	// their Format.
	AnnotationSOPS = "berth.dev/sops"
	// AnnotationSOPSSource is the encrypted file in the app's repository
	// (relative to the compose project directory) the generator's copy
	// was made from, for error messages.
	AnnotationSOPSSource = "berth.dev/sops-source"
)

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
