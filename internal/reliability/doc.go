// Package reliability holds berth's end-to-end reliability tests: faults
// (API server restarts, SIGKILLed and concurrent `berth up`, spot
// interruptions) on a private local cluster, RBAC as a developer token
// user, and checks that credentials and secret values never leak. It has
// no code of its own; docs/reliability.md lists what each test proves.
package reliability
