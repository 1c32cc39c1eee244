//go:build unix

package shell

import (
	"os"
	"os/signal"
	"syscall"
)

// notifyResize delivers the window-size signal to c.
func notifyResize(c chan<- os.Signal) { signal.Notify(c, syscall.SIGWINCH) }
