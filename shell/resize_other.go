//go:build !unix

package shell

import "os"

// notifyResize does nothing: the size is sent once (no SIGWINCH here).
func notifyResize(chan<- os.Signal) {}
