package gemm

import (
	"fmt"
	"sync/atomic"
)

// tileFunc computes n register tiles of C from packed panels: tile t (t < n) of the n consecutive
// micro-panels of A that start at a (each MR·k floats) against the same B micro-panel, into rows
// MR·t .. MR·t+MR-1 of C:
//
//	t[i][j] = Σ_{s<k} a[s*MR+i] · b[s*ldb+j]          (i < MR, j < width)
//	if acc != 0    { t[i][j] += c[i*ldc+j] }
//	if bias != nil { t[i][j] += bias[j] }
//	c[i*ldc+j] = t[i][j]
//
// k >= 1, n >= 1. The caller guarantees that all these elements exist.
type tileFunc func(k int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, acc, n int)

// tileFuncW is tileFunc for bf16 weights: b holds ⌈k/2⌉ rows of ldb 32-bit words, word j of row pp
// holding B[2pp, j] (low half) and B[2pp+1, j] (high half) as bfloat16; a is float32 as for tileFunc:
//
//	t[i][j] = Σ_{s<k} a[s*MR+i] · bf16(b, s, j)        (then acc, bias and the store as for tileFunc)
type tileFuncW func(k int, a *float32, b *uint32, ldb int, c *float32, ldc int, bias *float32, acc, n int)

// tileFuncD is tileFunc for bf16 weights and bf16 activations (VDPBF16PS): each micro-panel of a holds
// ⌈k/2⌉ steps of MR words, word i of step pp holding A[i, 2pp] (low) and A[i, 2pp+1] (high) as bfloat16; b as for
// tileFuncW. Each pair of products is added to the float32 sum as VDPBF16PS does (odd product first).
type tileFuncD func(k int, a, b *uint32, ldb int, c *float32, ldc int, bias *float32, acc, n int)

// kernel is one micro-kernel family and the blocking tuned for it.
type kernel struct {
	name string
	mr   int // rows of the register tile
	nr   int // columns of the widest tile; divides panelWidth
	vw   int // column step of the narrower tiles; divides nr
	kc   int // K-block length; even, so that bf16 K pairs never straddle two K-blocks
	// tiles[v-1] computes an mr × (v·vw) tile, v = 1 … nr/vw.
	tiles []tileFunc
	// wtiles are the same tiles for bf16 weights (B widened to float32, FMAs in float32).
	wtiles []tileFuncW
	// dtiles, when set, replace wtiles: bf16 weights and activations, VDPBF16PS or AMX (A is packed as
	// bf16).
	dtiles []tileFuncD
	// amxA: A is packed for dtiles in AMX tile blocks (packA16AMX) rather than as packA16 does.
	amxA bool
	// f32, if set, replaces this kernel for products with float32 weights and for NT and NN (the AMX
	// kernels multiply only bf16).
	f32 *kernel
	// vec: the element-wise functions (vec.go) run in AVX2 assembly.
	vec bool
	// fewRows, if set, replaces this kernel for Linear products with float32 weights of m rows
	// where useFewRows(m).
	fewRows    *kernel
	useFewRows func(m int) bool
	// hidden kernels are for tests only: UseKernel accepts them, Kernels does not list them.
	hidden bool
}

// mcRows is the most rows of A packed at once: one K-block of them (mcRows·kc floats) stays in L2.
func (k *kernel) mcRows() int {
	const l2Block = 256 << 10 // bytes
	r := l2Block / (4 * k.kc)
	return max(k.mr, r/k.mr*k.mr)
}

// forF32 is the kernel that multiplies float32 weights (and NT, NN) in k's place.
func (k *kernel) forF32() *kernel {
	if k.f32 != nil {
		return k.f32
	}
	return k
}

// all lists the kernels compiled in and supported by this CPU, best first; the generic kernel is last,
// followed by hidden test kernels.
var all = append(archKernels(), genericKernel, emulatedDotKernel, emulatedAMXKernel)

var current atomic.Pointer[kernel]

func init() { current.Store(all[0]) }

func active() *kernel { return current.Load() }

// Kernel returns the name of the micro-kernel in use: "amx", "avx512bf16", "avx512", "avx2" or
// "generic".
func Kernel() string { return active().name }

// Kernels returns the names of the micro-kernels this CPU and build support, best first:
//
//   - "amx": bf16 weights and activations multiplied in AMX tiles (TDPBF16PS, 16×48 per call);
//     float32 weights and the attention products on the avx512 tiles;
//   - "avx512bf16": AVX-512F tiles, and bf16 weights multiplied by VDPBF16PS (AVX512_BF16) with the
//     activations rounded to bf16;
//   - "avx512": AVX-512F tiles; bf16 weights are widened to float32 in registers;
//   - "avx2": AVX2+FMA tiles; bf16 weights widened likewise;
//   - "generic": portable Go.
//
// All but generic also run the element-wise functions (Activate, LayerNorm, Softmax, ...) in AVX2.
func Kernels() []string {
	var names []string
	for _, k := range all {
		if !k.hidden {
			names = append(names, k.name)
		}
	}
	return names
}

// DotBF16 reports whether Linear on bf16 weights rounds the activations to bf16 too (the VDPBF16PS
// path) with the kernel in use; otherwise only the weights are rounded.
func DotBF16() bool { return active().dtiles != nil }

// UseKernel makes all later calls use the named micro-kernel, and returns a function that restores
// the previous one. It fails if the kernel is unknown or not supported here. It is meant for tests
// and benchmarks: switching while other goroutines multiply is safe, but which kernel their calls
// use is then unspecified.
//
// Besides the kernels Kernels lists, it accepts "emulated-avx512bf16": the generic kernel, but with
// bf16 weights multiplied as the avx512bf16 kernel does (activations packed as bf16 pairs, each pair
// of products added as VDPBF16PS adds it), in Go — so that the numerics and the packing of that path
// can be tested on any CPU; and "emulated-amx": the amx kernel's blocking, A packing and TDPBF16PS
// numerics in Go (float32 weights on the generic kernel).
func UseKernel(name string) (restore func(), err error) {
	for _, k := range all {
		if k.name == name {
			prev := current.Swap(k)
			return func() { current.Store(prev) }, nil
		}
	}
	return nil, fmt.Errorf("gemm: kernel %q not supported here (have %v)", name, Kernels())
}
