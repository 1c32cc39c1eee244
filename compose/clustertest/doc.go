// Package clustertest holds the integration test that server-side dry-runs
// every corpus app's dev overlay against berth's local cluster. It is kept
// apart so compose's unit tests do not link client-go.
package clustertest
