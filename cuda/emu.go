package cuda

import (
	"fmt"
	"math"
	"sort"
	"unsafe"
)

// emu is a device in host memory whose kernels are pure-Go references of kernels/*.cu: it reads each
// launch's arguments in the order the CUDA kernel declares them and computes what the kernel computes
// (the tensor-core GEMM rounds its operands to bf16/fp16 like the GPU; sums run in other orders, so
// results agree to rounding). Tests run the whole Backend on it, and `xclip-cuda-check --device emu`
// runs the GPU checks on a machine without a GPU.
type emu struct {
	allocs []emuAlloc // sorted by base
	next   uintptr
	// Launches counts the launches run (tests).
	launches int
}

type emuAlloc struct {
	base uintptr
	mem  []byte
}

// NewEmulated returns a Backend on the pure-Go emulated device.
func NewEmulated(dt DType) (*Backend, error) {
	return newBackend(&emu{next: 1 << 32}, dt)
}

func (e *emu) name() string         { return "emu" }
func (e *emu) multiprocessors() int { return 4 }
func (e *emu) sync() error          { return nil }
func (e *emu) close()               {}

func (e *emu) alloc(n int64) (uintptr, error) {
	if n <= 0 {
		n = 1
	}
	p := e.next
	e.allocs = append(e.allocs, emuAlloc{base: p, mem: make([]byte, roundUp(int(n), 8))})
	e.next += uintptr(roundUp(int(n), 4096) + 4096) // a gap: out-of-bounds accesses fault
	return p, nil
}

func (e *emu) free(p uintptr) {
	i := e.find(p)
	if i < 0 || e.allocs[i].base != p {
		panic(fmt.Sprintf("emu: free of %#x, not an allocation", p))
	}
	e.allocs = append(e.allocs[:i], e.allocs[i+1:]...)
}

func (e *emu) find(p uintptr) int {
	i := sort.Search(len(e.allocs), func(i int) bool { return e.allocs[i].base > p }) - 1
	if i < 0 || p >= e.allocs[i].base+uintptr(len(e.allocs[i].mem)) {
		return -1
	}
	return i
}

// bytesAt returns the memory from p to the end of its allocation.
func (e *emu) bytesAt(p uintptr) []byte {
	i := e.find(p)
	if i < 0 {
		panic(fmt.Sprintf("emu: access to %#x, outside every allocation", p))
	}
	return e.allocs[i].mem[p-e.allocs[i].base:]
}

func (e *emu) f32(p uintptr) []float32 {
	b := e.bytesAt(p)
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), len(b)/4)
}

func (e *emu) u16(p uintptr) []uint16 {
	b := e.bytesAt(p)
	return unsafe.Slice((*uint16)(unsafe.Pointer(&b[0])), len(b)/2)
}

func (e *emu) i32(p uintptr) []int32 {
	b := e.bytesAt(p)
	return unsafe.Slice((*int32)(unsafe.Pointer(&b[0])), len(b)/4)
}

func (e *emu) upload(dst uintptr, src []byte) error {
	d := e.bytesAt(dst)
	if len(d) < len(src) {
		return fmt.Errorf("emu: upload of %d bytes past the end of the allocation", len(src))
	}
	copy(d, src)
	return nil
}

func (e *emu) download(dst []byte, src uintptr) error {
	s := e.bytesAt(src)
	if len(s) < len(dst) {
		return fmt.Errorf("emu: download of %d bytes past the end of the allocation", len(dst))
	}
	copy(dst, s)
	return nil
}

func (e *emu) run(ls []launch) error {
	for _, l := range ls {
		if len(l.args) != kernelSpecs[l.k].nargs {
			return fmt.Errorf("emu: %s launched with %d arguments, takes %d", l.k, len(l.args), kernelSpecs[l.k].nargs)
		}
		e.launches++
		e.exec(l)
	}
	return nil
}

func i(a uint64) int     { return int(int64(a)) }
func f(a uint64) float32 { return float32(math.Float64frombits(a)) }
func p(a uint64) uintptr { return uintptr(a) }
func act(a uint64) func(float32) float32 {
	switch i(a) {
	case 1:
		return func(x float32) float32 { return x / (1 + float32(math.Exp(float64(-1.702*x)))) }
	case 2:
		return func(x float32) float32 { return 0.5 * x * (1 + float32(math.Erf(float64(x)/math.Sqrt2))) }
	case 3:
		return func(x float32) float32 {
			u := 0.7978845608028654 * (float64(x) + 0.044715*float64(x)*float64(x)*float64(x))
			return 0.5 * x * (1 + float32(math.Tanh(u)))
		}
	case 4:
		return func(x float32) float32 { return max(x, 0) }
	}
	return func(x float32) float32 { return x }
}

func (e *emu) exec(l launch) {
	a := l.args
	switch k := l.k; {
	case k <= kGemmF32:
		e.gemm(k, a)
	case k == kAttention:
		e.attention(l)
	case k == kLayerNorm:
		y, ldy, x, ldx := e.f32(p(a[0])), i(a[1]), e.f32(p(a[2])), i(a[3])
		g, bt, rows, cols, eps := e.f32(p(a[4])), e.f32(p(a[5])), i(a[6]), i(a[7]), math.Float64frombits(a[8])
		for r := range rows {
			xr := x[r*ldx : r*ldx+cols]
			var mean, v float64
			for _, t := range xr {
				mean += float64(t)
			}
			mean /= float64(cols)
			for _, t := range xr {
				d := float64(t) - mean
				v += d * d
			}
			v /= float64(cols)
			inv := 1 / math.Sqrt(v+eps)
			for c, t := range xr {
				y[r*ldy+c] = float32((float64(t)-mean)*inv)*g[c] + bt[c]
			}
		}
	case k == kZero:
		clear(e.f32(p(a[0]))[:i(a[1])])
	case k == kAddRows:
		y, ldy, x, ldx, rows, cols, xr := e.f32(p(a[0])), i(a[1]), e.f32(p(a[2])), i(a[3]), i(a[4]), i(a[5]), i(a[6])
		for r := range rows {
			for c := range cols {
				y[r*ldy+c] += x[(r%xr)*ldx+c]
			}
		}
	case k == kActivate:
		y, ld, rows, cols, fn := e.f32(p(a[0])), i(a[1]), i(a[2]), i(a[3]), act(a[4])
		for r := range rows {
			for c := range cols {
				y[r*ld+c] = fn(y[r*ld+c])
			}
		}
	case k == kScaleCols:
		y, ld, s, rows, cols := e.f32(p(a[0])), i(a[1]), e.f32(p(a[2])), i(a[3]), i(a[4])
		for r := range rows {
			for c := range cols {
				y[r*ld+c] *= s[c]
			}
		}
	case k == kCopy:
		y, ldy, x, ldx, rows, cols := e.f32(p(a[0])), i(a[1]), e.f32(p(a[2])), i(a[3]), i(a[4]), i(a[5])
		for r := range rows {
			copy(y[r*ldy:r*ldy+cols], x[r*ldx:r*ldx+cols])
		}
	case k == kGather:
		y, ldy, x, ldx, idx, rows, cols := e.f32(p(a[0])), i(a[1]), e.f32(p(a[2])), i(a[3]), e.i32(p(a[4])), i(a[5]), i(a[6])
		for r := range rows {
			s := int(idx[r])
			copy(y[r*ldy:r*ldy+cols], x[s*ldx:s*ldx+cols])
		}
	case k == kMeanFrames:
		y, ldy, x, ldx := e.f32(p(a[0])), i(a[1]), e.f32(p(a[2])), i(a[3])
		videos, t, n, fr, cols := i(a[4]), i(a[5]), i(a[6]), i(a[7]), i(a[8])
		for r := range videos * n {
			v, row := r/n, r%n
			for c := range cols {
				var acc float64
				for fi := range t {
					acc += float64(x[((v*t+fi)*fr+row)*ldx+c])
				}
				y[r*ldy+c] = float32(acc / float64(t))
			}
		}
	case k == kNormalize:
		y, ld, rows, cols := e.f32(p(a[0])), i(a[1]), i(a[2]), i(a[3])
		for r := range rows {
			yr := y[r*ld : r*ld+cols]
			var s float64
			for _, t := range yr {
				s += float64(t) * float64(t)
			}
			inv := float32(1 / math.Sqrt(s))
			for c := range yr {
				yr[c] *= inv
			}
		}
	case k == kRowDots:
		y, ldy, av, lda, bv, ldb := e.f32(p(a[0])), i(a[1]), e.f32(p(a[2])), i(a[3]), e.f32(p(a[4])), i(a[5])
		videos, kk, cols, scale := i(a[6]), i(a[7]), i(a[8]), f(a[9])
		for v := range videos {
			for j := range kk {
				var dot float64
				for c := range cols {
					dot += float64(av[v*lda+c]) * float64(scale*bv[(v*kk+j)*ldb+c])
				}
				y[v*ldy+j] = float32(dot)
			}
		}
	case k == kPatchify:
		cols, ldc, px := e.f32(p(a[0])), i(a[1]), e.f32(p(a[2]))
		frames, ch, size, patch := i(a[3]), i(a[4]), i(a[5]), i(a[6])
		g := size / patch
		np, kk := g*g, ch*patch*patch
		for row := range frames * (np + 2) {
			fr, pr := row/(np+2), row%(np+2)
			for el := range kk {
				var v float32
				if pr >= 1 && pr <= np {
					pi := pr - 1
					py, pxx := pi/g, pi%g
					c, rem := el/(patch*patch), el%(patch*patch)
					ky, kx := rem/patch, rem%patch
					v = px[((fr*ch+c)*size+py*patch+ky)*size+pxx*patch+kx]
				}
				cols[row*ldc+el] = v
			}
		}
	default:
		panic(fmt.Sprintf("emu: no reference for kernel %s", l.k))
	}
}

// gemm is gemm.cu: y = act(x·Wᵀ + bias) + res, operands rounded to the weight dtype for the tensor-core
// kernels, fp32 accumulation.
func (e *emu) gemm(k kernel, a []uint64) {
	y, ldy, x, ldx := e.f32(p(a[0])), i(a[1]), e.f32(p(a[2])), i(a[3])
	ldw, m, n, kk, fn := i(a[5]), i(a[9]), i(a[10]), i(a[11]), act(a[12])
	var bias, res []float32
	if a[6] != 0 {
		bias = e.f32(p(a[6]))
	}
	ldr := i(a[8])
	dt := FP32
	switch {
	case k >= kGemmBF16_128x128v && k <= kGemmBF16_64x64s:
		dt = BF16
	case k >= kGemmFP16_128x128v && k <= kGemmFP16_64x64s:
		dt = FP16
	}
	// Weights as fp32.
	w := make([]float32, n*kk)
	switch dt {
	case FP32:
		wf := e.f32(p(a[4]))
		for r := range n {
			copy(w[r*kk:(r+1)*kk], wf[r*ldw:])
		}
	case BF16, FP16:
		wh := e.u16(p(a[4]))
		for r := range n {
			for c := range kk {
				h := wh[r*ldw+c]
				if dt == BF16 {
					w[r*kk+c] = BF16Float(h)
				} else {
					w[r*kk+c] = FP16Float(h)
				}
			}
		}
	}
	xr := make([]float32, kk)
	out := make([]float32, n)
	for r := range m {
		for c := range kk {
			xr[c] = dt.round(x[r*ldx+c])
		}
		for j := range n {
			wj := w[j*kk : (j+1)*kk]
			var s float32
			for c, v := range xr {
				s += v * wj[c]
			}
			if bias != nil {
				s += bias[j]
			}
			out[j] = fn(s)
		}
		// The residual is read before y is written (y may be the residual).
		if a[7] != 0 {
			res = e.f32(p(a[7]))
			for j := range n {
				out[j] += res[r*ldr+j]
			}
		}
		copy(y[r*ldy:r*ldy+n], out)
	}
}

// attention is attention.cu for one launch: grid z is the sequences, grid y the heads.
func (e *emu) attention(l launch) {
	a := l.args
	out, ldo, q, ldq := e.f32(p(a[0])), i(a[1]), e.f32(p(a[2])), i(a[3])
	k, ldk, v, ldv := e.f32(p(a[4])), i(a[5]), e.f32(p(a[6])), i(a[7])
	lq, lk, hd, scale, causal := i(a[8]), i(a[9]), i(a[10]), f(a[11]), a[12] != 0
	var mask []int32
	if a[13] != 0 {
		mask = e.i32(p(a[13]))
	}
	seqs, heads := int(l.grid[2]), int(l.grid[1])
	if qb := i(a[14]); int(l.grid[0]) != ceilDiv(lq, qb) || qb%4 != 0 {
		panic(fmt.Sprintf("emu: attention grid.x %d for %d queries in blocks of %d", l.grid[0], lq, qb))
	}
	scores := make([]float32, lk)
	for s := range seqs {
		for h := range heads {
			col := h * hd
			for qi := range lq {
				qr := q[(s*lq+qi)*ldq+col:]
				m := float32(math.Inf(-1))
				for j := range lk {
					if (causal && j > qi) || (mask != nil && mask[s*lk+j] == 0) {
						scores[j] = float32(math.Inf(-1))
						continue
					}
					kr := k[(s*lk+j)*ldk+col:]
					var d float32
					for c := range hd {
						d += qr[c] * kr[c]
					}
					scores[j] = d * scale
					m = max(m, scores[j])
				}
				var sum float32
				for j := range lk {
					if math.IsInf(float64(scores[j]), -1) {
						scores[j] = 0
						continue
					}
					scores[j] = float32(math.Exp(float64(scores[j] - m)))
					sum += scores[j]
				}
				var inv float32
				if sum > 0 {
					inv = 1 / sum
				}
				o := out[(s*lq+qi)*ldo+col:]
				for c := range hd {
					var acc float32
					for j := range lk {
						acc += scores[j] * inv * v[(s*lk+j)*ldv+col+c]
					}
					o[c] = acc
				}
			}
		}
	}
}
