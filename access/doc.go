// Package access installs berth's RBAC for developers (deploy/rbac) and
// checks it on a cluster. Install applies the admission policies that
// confine developers to berth's namespaces, proves them active with
// impersonated dry-runs, and only then grants developers their rights, so
// there is no window in which a grant works and its guard does not. Check
// asks, as the current user, whether each guard denies and which of the
// grants berth needs are missing.
package access
