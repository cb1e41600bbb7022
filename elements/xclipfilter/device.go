package xclipfilter

import (
	"errors"

	"github.com/xclipfilter/xclipfilter/model"
)

// cpuBackend is the CPU backend for the precision property: fp32 (auto) or bf16 weights.
func cpuBackend(precision int) (model.Backend, string, error) {
	switch precision {
	case precisionAuto, precisionFP32:
		return model.NewCPUBackend(0), "", nil
	case precisionBF16:
		return model.NewCPUBackendOptions(model.CPUOptions{BF16: true}), "inference on the CPU with bf16 weights", nil
	case precisionFP16:
		return nil, "", errors.New("precision=fp16 needs device=cuda; on the CPU use fp32 or bf16")
	}
	return nil, "", errors.New("unknown precision")
}
