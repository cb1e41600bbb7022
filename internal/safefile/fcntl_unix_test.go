//go:build unix

package safefile

import (
	"os"
	"syscall"
)

func fcntlFlags(f *os.File) (int, error) {
	var flags int
	var ferr error
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, err
	}
	err = rc.Control(func(fd uintptr) {
		r, _, e := syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_GETFL, 0)
		if e != 0 {
			ferr = e
		}
		flags = int(r)
	})
	if err != nil {
		return 0, err
	}
	return flags, ferr
}
