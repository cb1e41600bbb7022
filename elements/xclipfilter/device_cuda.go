//go:build cuda

package xclipfilter

import (
	"fmt"

	"github.com/xclipfilter/xclipfilter/cuda"
	"github.com/xclipfilter/xclipfilter/model"
)

// cudaBuilt says whether this build has the CUDA backend (-tags cuda: make plugin-cuda).
const cudaBuilt = true

// newBackend returns the backend for the device and precision properties: cuda opens the GPU (bf16
// weights and tensor cores unless precision says otherwise), auto the GPU when it can be had and the
// CPU otherwise. note is a remark for the log.
func newBackend(device, precision int) (b model.Backend, note string, err error) {
	switch device {
	case deviceCPU:
		return cpuBackend(precision)
	case deviceCUDA, deviceAuto:
		dt, name := cuda.BF16, "bf16"
		switch precision {
		case precisionFP32:
			dt, name = cuda.FP32, "fp32"
		case precisionFP16:
			dt, name = cuda.FP16, "fp16"
		}
		g, err := cuda.New(cuda.Options{DType: dt})
		if err == nil {
			return g, "inference on the GPU (CUDA, " + name + ")", nil
		}
		if device == deviceAuto {
			c, _, cerr := cpuBackend(precision)
			if cerr != nil {
				return nil, "", cerr
			}
			return c, fmt.Sprintf("device=auto: no GPU (%v), inference on the CPU", err), nil
		}
		return nil, "", fmt.Errorf("device=cuda cannot be had: %v; use device=auto or device=cpu", err)
	}
	return nil, "", fmt.Errorf("unknown device %d", device)
}
