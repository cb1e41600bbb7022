package gemm

import (
	"fmt"
	"sync/atomic"
)

// tileFunc computes one register tile of C from packed panels:
//
//	t[i][j] = Σ_{s<k} a[s*MR+i] · b[s*ldb+j]          (i < MR, j < width)
//	if acc != 0    { t[i][j] += c[i*ldc+j] }
//	if bias != nil { t[i][j] += bias[j] }
//	c[i*ldc+j] = t[i][j]
//
// k >= 1. The caller guarantees that all these elements exist.
type tileFunc func(k int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, acc int)

// kernel is one micro-kernel family and the blocking tuned for it.
type kernel struct {
	name string
	mr   int // rows of the register tile
	nr   int // columns of the widest tile; divides panelWidth
	vw   int // column step of the narrower tiles; divides nr
	kc   int // K-block length
	// tiles[v-1] computes an mr × (v·vw) tile, v = 1 … nr/vw.
	tiles []tileFunc
}

// mcRows is the most rows of A packed at once: one K-block of them (mcRows·kc floats) stays in L2.
func (k *kernel) mcRows() int {
	const l2Block = 256 << 10 // bytes
	r := l2Block / (4 * k.kc)
	return max(k.mr, r/k.mr*k.mr)
}

// all lists the kernels compiled in and supported by this CPU, best first; the generic kernel is last.
var all = append(archKernels(), genericKernel)

var current atomic.Pointer[kernel]

func init() { current.Store(all[0]) }

func active() *kernel { return current.Load() }

// Kernel returns the name of the micro-kernel in use: "avx512", "avx2" or "generic".
func Kernel() string { return active().name }

// Kernels returns the names of the micro-kernels this CPU and build support, best first.
func Kernels() []string {
	names := make([]string, len(all))
	for i, k := range all {
		names[i] = k.name
	}
	return names
}

// UseKernel makes all later calls use the named micro-kernel, and returns a function that restores
// the previous one. It fails if the kernel is unknown or not supported here. It is meant for tests
// and benchmarks: switching while other goroutines multiply is safe, but which kernel their calls
// use is then unspecified.
func UseKernel(name string) (restore func(), err error) {
	for _, k := range all {
		if k.name == name {
			prev := current.Swap(k)
			return func() { current.Store(prev) }, nil
		}
	}
	return nil, fmt.Errorf("gemm: kernel %q not supported here (have %v)", name, Kernels())
}
