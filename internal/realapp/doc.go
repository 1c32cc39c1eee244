// Package realapp holds the end-to-end tests of a large, realistic app
// (genapp.Realistic: 60 services shaped like self-hosted Sentry) on the
// local cluster: it must come up with berth's defaults, no berth.yaml,
// and a quota too small for it must fail before anything is applied. It
// has no code of its own.
package realapp
