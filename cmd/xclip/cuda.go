//go:build cuda

package main

import (
	"fmt"

	"github.com/xclipfilter/xclipfilter/cuda"
	"github.com/xclipfilter/xclipfilter/model"
)

// cudaBuilt says whether this xclip has the CUDA backend (built with -tags cuda).
const cudaBuilt = true

// newBackend returns the backend for --device (cpu, cuda, or auto: cuda in this build) and --dtype
// (cuda only: bf16 (default), fp16, or fp32 for verification; "" is the default).
func newBackend(device string, threads int, dtype string) (model.Backend, error) {
	switch device {
	case "cpu":
		if dtype != "" && dtype != "fp32" {
			return nil, fmt.Errorf("--dtype %s: the CPU backend computes in fp32", dtype)
		}
		return model.NewCPUBackend(threads), nil
	case "cuda", "auto", "":
		dt := cuda.BF16
		if dtype != "" {
			var err error
			if dt, err = cuda.ParseDType(dtype); err != nil {
				return nil, err
			}
		}
		return cuda.New(cuda.Options{DType: dt})
	}
	return nil, fmt.Errorf("unknown device %q (want cpu, cuda or auto)", device)
}
