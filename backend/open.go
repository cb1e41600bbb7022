package backend

import (
	"errors"
	"fmt"
	"strings"

	"github.com/xclipfilter/xclipfilter/cpu"
	"github.com/xclipfilter/xclipfilter/model"
)

// Precision is a number format for the model's weights.
type Precision int

// The precisions Open knows.
const (
	Auto Precision = iota // the fastest within the golden reduced-precision tolerances
	FP32
	BF16
	FP16 // GPU only
)

func (p Precision) String() string {
	switch p {
	case FP32:
		return "fp32"
	case BF16:
		return "bf16"
	case FP16:
		return "fp16"
	}
	return "auto"
}

// ParsePrecision reads a precision name: auto (also ""), fp32 (float32), bf16 (bfloat16) or fp16
// (float16, half).
func ParsePrecision(s string) (Precision, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "auto", "":
		return Auto, nil
	case "fp32", "float32":
		return FP32, nil
	case "bf16", "bfloat16":
		return BF16, nil
	case "fp16", "float16", "half":
		return FP16, nil
	}
	return Auto, fmt.Errorf("unknown precision %q (want auto, fp32, bf16 or fp16)", s)
}

// MaxThreads is the largest thread budget Open takes.
const MaxThreads = 1024

// Devices lists the device names Open knows, in the order the element's enum has them.
var Devices = []string{"auto", "cpu", "cuda"}

// ErrNoCUDA is device=cuda's error in a build without the CUDA backend.
var ErrNoCUDA = errors.New("device=cuda is not available: this build has no CUDA backend " +
	"(build with -tags cuda: make plugin-cuda, make xclip-cuda; for machines with an NVIDIA GPU); use device=auto or device=cpu")

// Open returns the backend for device (auto, cpu, cuda), precision (see ParsePrecision) and threads
// (the CPU's thread budget: 0 for DefaultThreads, else at most that many threads per operation), and
// a note for the log: what auto chose and why ("" when there is nothing to say). A name it does not
// know, a negative budget or a device that cannot be had is an error naming it.
func Open(device, precision string, threads int) (b model.Backend, note string, err error) {
	if err := Check(device, precision, threads); err != nil {
		return nil, "", err
	}
	p, _ := ParsePrecision(precision)
	switch strings.ToLower(strings.TrimSpace(device)) {
	case "cpu":
		return openCPU(p, threads)
	case "cuda":
		if !CUDABuilt {
			return nil, "", ErrNoCUDA
		}
		b, note, err := openCUDA(p)
		if err != nil {
			return nil, "", fmt.Errorf("device=cuda cannot be had: %v; use device=auto or device=cpu", err)
		}
		return b, note, nil
	case "auto", "":
		why := "this build has no CUDA backend"
		if CUDABuilt {
			b, note, err := openCUDA(p)
			if err == nil {
				return b, note, nil
			}
			why = fmt.Sprintf("no GPU: %v", err)
		}
		b, note, err := openCPU(p, threads)
		if err != nil {
			return nil, "", err
		}
		return b, join("device=auto: inference on the CPU ("+why+")", note), nil
	}
	return nil, "", fmt.Errorf("unknown device %q (want auto, cpu or cuda)", device) // Check refused it already
}

// Check returns the error Open would give without opening anything, for what can be told in advance:
// an unknown device or precision, a negative budget, device=cuda in a build without CUDA, fp16 where
// only the CPU can run.
func Check(device, precision string, threads int) error {
	p, err := ParsePrecision(precision)
	if err != nil {
		return err
	}
	if threads < 0 || threads > MaxThreads {
		return fmt.Errorf("threads %d: want 0 (the default budget) or a number of threads up to %d", threads, MaxThreads)
	}
	d := strings.ToLower(strings.TrimSpace(device))
	switch d {
	case "cpu", "cuda", "auto", "":
	default:
		return fmt.Errorf("unknown device %q (want auto, cpu or cuda)", device)
	}
	if d == "cuda" && !CUDABuilt {
		return ErrNoCUDA
	}
	if p == FP16 && (d == "cpu" || !CUDABuilt) {
		return errFP16CPU
	}
	return nil
}

var errFP16CPU = errors.New("precision=fp16 needs device=cuda; on the CPU use fp32 or bf16")

// openCPU is the CPU backend: the only place it is made.
func openCPU(p Precision, threads int) (model.Backend, string, error) {
	var bf16 bool
	var note string
	switch p {
	case Auto:
		var why string
		if bf16, why = cpu.AutoBF16(); bf16 {
			note = "precision=auto: bf16 weights on the CPU (" + why + ")"
		}
	case BF16:
		bf16, note = true, "bf16 weights on the CPU"
	case FP16:
		return nil, "", errFP16CPU
	}
	n, why := threads, ""
	if n == 0 {
		n, why = DefaultThreads()
	}
	b := cpu.New(cpu.Options{Threads: n, BF16: bf16})
	if why != "" {
		note = join(note, why)
	}
	return b, note, nil
}

func join(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}
