//go:build !unix

package safefile

import (
	"fmt"
	"os"
)

// openRegular checks the type before opening (where O_NONBLOCK does not exist); Open checks it again on
// the open file.
func openRegular(path string) (*os.File, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w: it is %s", path, ErrNotRegular, describe(fi.Mode()))
	}
	return os.Open(path)
}
