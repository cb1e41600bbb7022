//go:build !cuda

package main

import (
	"errors"
	"fmt"

	"github.com/xclipfilter/xclipfilter/cpu"
	"github.com/xclipfilter/xclipfilter/model"
)

// cudaBuilt says whether this xclip has the CUDA backend (built with -tags cuda).
const cudaBuilt = false

// errNoCUDA is --device cuda's error in the default build.
var errNoCUDA = errors.New("this xclip was built without CUDA; build with -tags cuda (make xclip-cuda)")

// newBackend returns the backend for --device (cpu, cuda, or auto: the CPU in this build) and --dtype
// (auto or "": bf16 weights on CPUs with AMX, else fp32; fp32; bf16).
func newBackend(device string, threads int, dtype string) (model.Backend, error) {
	switch device {
	case "cpu", "auto", "":
		bf16, err := cpu.ParseDType(dtype)
		if err != nil {
			return nil, fmt.Errorf("--dtype: %w", err)
		}
		return cpu.New(cpu.Options{Threads: threads, BF16: bf16}), nil
	case "cuda":
		return nil, errNoCUDA
	}
	return nil, fmt.Errorf("unknown device %q (want cpu, cuda or auto)", device)
}
