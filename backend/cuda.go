//go:build cuda

package backend

import (
	"github.com/xclipfilter/xclipfilter/cuda"
	"github.com/xclipfilter/xclipfilter/model"
)

// CUDABuilt says whether this build has the CUDA backend (-tags cuda).
const CUDABuilt = true

// openCUDA opens the GPU: bf16 weights and tensor cores unless the precision says fp32 or fp16.
func openCUDA(p Precision) (model.Backend, string, error) {
	dt, name := cuda.BF16, "bf16"
	switch p {
	case FP32:
		dt, name = cuda.FP32, "fp32"
	case FP16:
		dt, name = cuda.FP16, "fp16"
	}
	g, err := cuda.New(cuda.Options{DType: dt})
	if err != nil {
		return nil, "", err
	}
	return g, "inference on the GPU (CUDA, " + name + ")", nil
}
