//go:build unix

package safefile

import (
	"io/fs"
	"os"
	"syscall"
)

// openRegular opens path with O_NONBLOCK, so that opening a FIFO with no writer (or a device that
// blocks in open) returns at once, then clears O_NONBLOCK again: the caller checks the type with the
// descriptor's own Stat, so there is no race between a check and the open.
func openRegular(path string) (*os.File, error) {
	var fd int
	var err error
	for {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	if err := syscall.SetNonblock(fd, false); err != nil {
		syscall.Close(fd)
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(fd), path), nil
}
