//go:build unix

package testkms

import (
	"os"
	"syscall"
)

// lock takes an exclusive lock on file (created if missing), waiting for
// other processes holding it; unlock releases it.
func lock(file string) (unlock func(), err error) {
	f, err := os.OpenFile(file, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}
