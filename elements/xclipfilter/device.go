package xclipfilter

import (
	"errors"

	"github.com/xclipfilter/xclipfilter/cpu"
	"github.com/xclipfilter/xclipfilter/model"
)

// cpuBackend is the CPU backend for the precision property: fp32 or bf16 weights; auto is bf16 where
// the CPU multiplies bf16 faster (AMX), fp32 elsewhere (cpu.AutoBF16 says which, and why).
func cpuBackend(precision int) (model.Backend, string, error) {
	switch precision {
	case precisionAuto:
		if bf16, why := cpu.AutoBF16(); bf16 {
			return cpu.New(cpu.Options{BF16: true}), "precision=auto: bf16 weights on the CPU (" + why + ")", nil
		}
		return cpu.New(cpu.Options{}), "", nil
	case precisionFP32:
		return cpu.New(cpu.Options{}), "", nil
	case precisionBF16:
		return cpu.New(cpu.Options{BF16: true}), "inference on the CPU with bf16 weights", nil
	case precisionFP16:
		return nil, "", errors.New("precision=fp16 needs device=cuda; on the CPU use fp32 or bf16")
	}
	return nil, "", errors.New("unknown precision")
}
