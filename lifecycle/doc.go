// Package lifecycle manages deployed environments: down, sleep and wake,
// gc, list and webhook notifications. Every destructive path goes through
// one ownership gate, OwnedNamespace.
package lifecycle
