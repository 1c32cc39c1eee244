// Package secrets reads and writes SOPS-encrypted files in process, with
// berth's own SOPS layer (secrets/sopsfile), byte for byte as sops writes
// them, so they stay compatible with the sops CLI and editors.
//
// Files are encrypted for the key groups of the .sops.yaml creation rule
// matching their path (age and AWS KMS keys) or for explicit age
// recipients. Keys of the types berth does not support (pgp, gcp_kms,
// azure_kv, hc_vault, hckms) are kept, unused, in the files berth
// re-encrypts. Decryption finds age identities where sops does: SSH keys,
// $SOPS_AGE_KEY, $SOPS_AGE_KEY_FILE, $SOPS_AGE_KEY_CMD, then
// <user config dir>/sops/age/keys.txt; AWS KMS uses the standard AWS
// configuration chain. Decrypted data is only ever returned in memory;
// errors name the file and its recipients, never a value.
package secrets
