// Package archtest holds the test that keeps berth's package graph in the
// shape docs/architecture.md describes: who may import whom, and that the
// TUI's renderers stay about as light as k8s.
package archtest
