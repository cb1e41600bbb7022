package cpu

import (
	"testing"

	"github.com/xclipfilter/xclipfilter/internal/gemm"
	"github.com/xclipfilter/xclipfilter/model"
	"github.com/xclipfilter/xclipfilter/model/backendtest"
)

// kernelPath is one way the CPU backend computes: a gemm kernel forced with gemm.UseKernel, with
// float32 or bf16 weights.
type kernelPath struct {
	kernel string
	bf16   bool
}

func (p kernelPath) String() string {
	if p.bf16 {
		return p.kernel + "/bf16"
	}
	return p.kernel + "/fp32"
}

// kernelPaths are every path this CPU and build can run: each kernel gemm.Kernels lists (AMX,
// AVX-512 with VDPBF16PS, AVX-512, AVX2, portable Go: the ones present here) with fp32 and with bf16
// weights, and the two bf16 dot-product paths emulated in Go (VDPBF16PS and AMX numerics), which run
// anywhere.
func kernelPaths() []kernelPath {
	var paths []kernelPath
	for _, k := range gemm.Kernels() {
		paths = append(paths, kernelPath{k, false}, kernelPath{k, true})
	}
	return append(paths, kernelPath{"emulated-avx512bf16", true}, kernelPath{"emulated-amx", true})
}

// TestConformance runs the backend conformance suite (every operation against the reference, the
// golden checkpoints end to end) on every kernel path. The default path (the best kernel here) also
// runs base-patch32-8f when XCLIP_GOLDEN is set; the others the tiny checkpoints (model's
// TestGoldenEveryKernel and TestGoldenBF16 run the real size on each path, with every intermediate).
func TestConformance(t *testing.T) {
	t.Logf("kernels here: %v", gemm.Kernels())
	for i, p := range kernelPaths() {
		t.Run(p.String(), func(t *testing.T) {
			restore, err := gemm.UseKernel(p.kernel)
			if err != nil {
				t.Fatal(err)
			}
			defer restore()
			s := backendtest.Suite{
				New:   func(*testing.T) model.Backend { return New(Options{BF16: p.bf16}) },
				DType: "fp32",
			}
			if p.bf16 {
				s.DType = "bf16"
			}
			if i > 1 { // not the best kernel
				s.Goldens = []string{"xclip-tiny-a", "xclip-tiny-b"}
			}
			backendtest.Run(t, s)
		})
	}
}
