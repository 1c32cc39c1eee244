// Package sopsfile reads and writes the SOPS file format without the sops
// library (which links every key service sops supports): the document tree
// with its encryption rules and MAC, the AES-GCM value cipher, the sops
// metadata, and the stores for YAML, JSON, dotenv, INI and binary files.
//
// Output is byte for byte what sops 3 writes for the same tree and
// metadata; metadata of key types this package does not interpret (pgp,
// gcp_kms, azure_kv, hc_vault, ...) is carried through unchanged. Master
// keys are only described here ([Key]): encrypting and decrypting data keys
// is the caller's business.
//
// Files marked with the Mozilla Public License header (tree.go, yaml.go)
// follow the sops source (github.com/getsops/sops/v3, MPL-2.0) closely;
// see the NOTICE file at the root of the repository.
package sopsfile
