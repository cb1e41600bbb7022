//go:build !cuda

package cuda

import "errors"

// ErrNotBuilt is New's error in a build without the cuda tag.
var ErrNotBuilt = errors.New("this binary was built without CUDA; build with -tags cuda (make xclip-cuda)")

// New opens a CUDA device; in this build (no cuda tag) there is none.
func New(opts Options) (*Backend, error) { return nil, ErrNotBuilt }
