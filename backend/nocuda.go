//go:build !cuda

package backend

import "github.com/xclipfilter/xclipfilter/model"

// CUDABuilt says whether this build has the CUDA backend (-tags cuda).
const CUDABuilt = false

func openCUDA(Precision) (model.Backend, string, error) { return nil, "", ErrNoCUDA }
