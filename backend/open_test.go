package backend

import (
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/xclipfilter/xclipfilter/cpu"
)

// threadser is what the CPU backend says about its budget.
type threadser interface{ Threads() int }

// TestOpenAuto: device auto without a GPU (here: a build without CUDA) is the CPU, and the note says
// why; "" means auto too.
func TestOpenAuto(t *testing.T) {
	if CUDABuilt {
		t.Skip("a CUDA build tries the GPU first")
	}
	for _, d := range []string{"auto", "", "AUTO"} {
		b, note, err := Open(d, "fp32", 1)
		if err != nil {
			t.Fatalf("device %q: %v", d, err)
		}
		if !strings.HasPrefix(b.Name(), "cpu/") {
			t.Errorf("device %q: backend %s, want the CPU", d, b.Name())
		}
		if !strings.Contains(note, "device=auto: inference on the CPU (this build has no CUDA backend)") {
			t.Errorf("device %q: note %q does not say why the CPU", d, note)
		}
	}
}

func TestOpenCUDAWithoutCUDA(t *testing.T) {
	if CUDABuilt {
		t.Skip("a CUDA build opens the GPU")
	}
	_, _, err := Open("cuda", "", 0)
	if !errors.Is(err, ErrNoCUDA) || !strings.Contains(err.Error(), "device=cuda is not available") ||
		!strings.Contains(err.Error(), "-tags cuda") {
		t.Errorf("device cuda: %v, want %v", err, ErrNoCUDA)
	}
}

func TestOpenErrors(t *testing.T) {
	for _, c := range []struct {
		device, precision string
		threads           int
		want              string
	}{
		{"cpu", "fp8", 0, `unknown precision "fp8"`},
		{"auto", "int4", 0, `unknown precision "int4"`},
		{"tpu", "auto", 0, `unknown device "tpu"`},
		{"cpu", "fp16", 0, "precision=fp16 needs device=cuda"},
		{"cpu", "auto", -1, "threads -1"},
		{"cpu", "auto", MaxThreads + 1, "threads 1025"},
	} {
		if b, _, err := Open(c.device, c.precision, c.threads); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Open(%q, %q, %d) = %v, %v; want an error containing %q", c.device, c.precision, c.threads, b, err, c.want)
		}
	}
	if !CUDABuilt {
		if _, _, err := Open("auto", "fp16", 0); err == nil || !strings.Contains(err.Error(), "fp16") {
			t.Errorf("auto fp16 without a GPU: %v, want an error naming fp16", err)
		}
	}
}

// TestOpenCPU: precisions and budgets reach the CPU backend.
func TestOpenCPU(t *testing.T) {
	b, note, err := Open("cpu", "bf16", 2)
	if err != nil || !strings.HasSuffix(b.Name(), "/bf16") || b.(threadser).Threads() != 2 {
		t.Fatalf("cpu bf16 2 threads: %v, %v", b, err)
	}
	if !strings.Contains(note, "bf16") {
		t.Errorf("note %q", note)
	}
	b, _, err = Open("cpu", "float32", 3)
	if err != nil || strings.HasSuffix(b.Name(), "/bf16") || b.(threadser).Threads() != 3 {
		t.Fatalf("cpu fp32 3 threads: %v, %v", b, err)
	}
	b, _, err = Open("cpu", "auto", 1)
	if bf16, _ := cpu.AutoBF16(); err != nil || strings.HasSuffix(b.Name(), "/bf16") != bf16 {
		t.Errorf("cpu auto: %v, %v; AutoBF16 %v", b, err, bf16)
	}
}

// TestDefaultThreads: the default budget leaves a core to the pipeline on small machines only, and
// Open(…, 0) uses it.
func TestDefaultThreads(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, c := range []struct{ procs, want int }{{1, 1}, {2, 1}, {3, 2}, {4, 3}, {5, 5}, {16, 16}} {
		runtime.GOMAXPROCS(c.procs)
		n, why := DefaultThreads()
		if n != c.want || (n < c.procs) != (why != "") {
			t.Errorf("GOMAXPROCS %d: %d threads (%q), want %d", c.procs, n, why, c.want)
		}
		b, note, err := Open("cpu", "fp32", 0)
		if err != nil || b.(threadser).Threads() != c.want || !strings.Contains(note, why) {
			t.Errorf("GOMAXPROCS %d: Open(cpu, fp32, 0) = %v threads, note %q, %v", c.procs, b.(threadser).Threads(), note, err)
		}
	}
}
