// Package images is the app's images between `berth convert` and the
// cluster: the content tag of each image built from source (a digest of
// what its build reads), the registry check before an up applies
// anything (every image resolved to its digest, which the applied pod
// specs pin), and the builders that build and push what is missing
// (docker buildx, a BuildKit daemon through buildctl, or a command of the
// user's).
//
// It reads the compose builds (compose.Build) and berth.yaml's images
// (envs.Images); `berth images` and `berth up` wire it (cmd/berth).
package images
