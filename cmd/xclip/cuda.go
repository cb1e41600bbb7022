//go:build cuda

package main

import (
	"fmt"

	"github.com/xclipfilter/xclipfilter/cpu"
	"github.com/xclipfilter/xclipfilter/cuda"
	"github.com/xclipfilter/xclipfilter/model"
)

// cudaBuilt says whether this xclip has the CUDA backend (built with -tags cuda).
const cudaBuilt = true

// newBackend returns the backend for --device (cpu, cuda, or auto: cuda in this build) and --dtype
// (cuda: bf16 (default), fp16, or fp32 for verification; cpu: auto (default: bf16 with AMX, else fp32),
// fp32 or bf16 weights).
func newBackend(device string, threads int, dtype string) (model.Backend, error) {
	switch device {
	case "cpu":
		bf16, err := cpu.ParseDType(dtype)
		if err != nil {
			return nil, fmt.Errorf("--dtype: %w", err)
		}
		return cpu.New(cpu.Options{Threads: threads, BF16: bf16}), nil
	case "cuda", "auto", "":
		dt := cuda.BF16
		if dtype != "" && dtype != "auto" {
			var err error
			if dt, err = cuda.ParseDType(dtype); err != nil {
				return nil, err
			}
		}
		return cuda.New(cuda.Options{DType: dt})
	}
	return nil, fmt.Errorf("unknown device %q (want cpu, cuda or auto)", device)
}
