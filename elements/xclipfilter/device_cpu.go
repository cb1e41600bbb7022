//go:build !cuda

package xclipfilter

import (
	"errors"

	"github.com/xclipfilter/xclipfilter/model"
)

// cudaBuilt says whether this build has the CUDA backend (-tags cuda: make plugin-cuda).
const cudaBuilt = false

// newBackend returns the backend for the device and precision properties: in this build auto means the
// CPU and cuda is an error. note is a remark for the log ("" when none).
func newBackend(device, precision int) (b model.Backend, note string, err error) {
	switch device {
	case deviceAuto, deviceCPU:
		return cpuBackend(precision)
	case deviceCUDA:
		return nil, "", errors.New("device=cuda is not available: this xclipfilter was built without CUDA " +
			"(make plugin-cuda builds one, for machines with an NVIDIA GPU); use device=auto or device=cpu")
	}
	return nil, "", errors.New("unknown device")
}
