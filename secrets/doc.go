// Package secrets reads and writes SOPS-encrypted files in process, with
// the sops library, so they stay compatible with the sops CLI and editors.
//
// Files are encrypted for the key groups of the .sops.yaml creation rule
// matching their path (age, AWS KMS and the other sops key types) or for
// explicit age recipients. Decryption finds age identities where sops does:
// $SOPS_AGE_KEY, $SOPS_AGE_KEY_FILE, $SOPS_AGE_KEY_CMD, then
// <user config dir>/sops/age/keys.txt. Decrypted data is only ever returned
// in memory; errors name the file and its recipients, never a value.
package secrets
