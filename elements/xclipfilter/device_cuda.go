//go:build cuda

package xclipfilter

import (
	"fmt"

	"github.com/xclipfilter/xclipfilter/cuda"
	"github.com/xclipfilter/xclipfilter/model"
)

// cudaBuilt says whether this build has the CUDA backend (-tags cuda: make plugin-cuda).
const cudaBuilt = true

// newBackend returns the backend for the device property: cuda opens the GPU (bf16 weights, tensor
// cores), auto the GPU when it can be had and the CPU otherwise. note is a remark for the log.
func newBackend(device int) (b model.Backend, note string, err error) {
	switch device {
	case deviceCPU:
		return model.NewCPUBackend(0), "", nil
	case deviceCUDA, deviceAuto:
		g, err := cuda.New(cuda.Options{DType: cuda.BF16})
		if err == nil {
			return g, "inference on the GPU (CUDA, bf16)", nil
		}
		if device == deviceAuto {
			return model.NewCPUBackend(0), fmt.Sprintf("device=auto: no GPU (%v), inference on the CPU", err), nil
		}
		return nil, "", fmt.Errorf("device=cuda cannot be had: %v; use device=auto or device=cpu", err)
	}
	return nil, "", fmt.Errorf("unknown device %d", device)
}
