// Package cpu is the CPU backend of package model: activations in Go memory, matrix multiplies on
// internal/gemm's packed-panel kernels (AMX, AVX-512, AVX2 or portable Go, chosen at run time), with
// bf16 weights as an option. It implements model.Backend and the optional model.PartsBackend,
// model.UninitWorkspace, model.ArgumentCopier and model.ConstantAllocator.
//
//	m, err := model.Load(dir, model.Options{Backend: cpu.New(cpu.Options{BF16: true})})
package cpu

import (
	"fmt"
	"math"
	"sync"

	"github.com/xclipfilter/xclipfilter/internal/gemm"
	"github.com/xclipfilter/xclipfilter/model"
)

// Backend is the pure-Go backend: activations live in Go slices, matrix multiplies run on
// internal/gemm's packed-panel kernels (AVX-512, AVX2 or portable Go, chosen at run time), and so do
// the element-wise functions (AVX2 assembly or Go): bias, activation and residual are fused into the
// GEMM's tiles, LayerNorm and softmax are vectorised rows.
type Backend struct {
	pool     *gemm.Pool
	bf16     bool
	arena    *hostArena // constants, outside the Go heap
	recycler *recycler  // workspace buffers, outside the Go heap
}

// The optional capabilities the model code probes for.
var (
	_ model.PartsBackend      = (*Backend)(nil)
	_ model.ArgumentCopier    = (*Backend)(nil)
	_ model.ConstantAllocator = (*Backend)(nil)
	_ model.UninitWorkspace   = (*workspace)(nil)
)

// Options configure New.
type Options struct {
	// Threads is the most goroutines one operation uses (<= 0: all cores). Backends of one process
	// share gemm's helper goroutines, so several models never oversubscribe the cores.
	Threads int
	// BF16 stores the Linear layers' weights as bfloat16 (rounded to nearest even): half the memory and
	// memory traffic. Products are summed in float32; activations stay float32, except on CPUs with
	// AMX-BF16 (TDPBF16PS tiles) or AVX512_BF16 (VDPBF16PS), which multiply bf16 pairs of weights and
	// activations (rounded to bf16 as they are packed).
	BF16 bool
}

// New returns the CPU backend configured by o (the zero Options: float32 weights, all cores).
func New(o Options) *Backend {
	c := &Backend{pool: gemm.NewPool(o.Threads), bf16: o.BF16}
	c.arena = newHostArena(c)
	c.recycler = newRecycler(c)
	return c
}

func (c *Backend) Name() string {
	if c.bf16 {
		return "cpu/" + gemm.Kernel() + "/bf16"
	}
	return "cpu/" + gemm.Kernel()
}

// Threads is the most goroutines one operation uses.
func (c *Backend) Threads() int { return c.pool.Threads() }

// Parts: one stream of operations per thread (model.PartsBackend).
func (c *Backend) Parts() int { return c.pool.Threads() }

// RunParts runs the parts as the pool's tasks. The operations of a part find the helpers busy with
// the other parts and run on the part's goroutine; a part that finishes early frees its helper to
// join the operations of the parts still running. A panic in a part (on whichever goroutine) is raised
// again in the caller once every part has returned (gemm.Pool.Run), where the engine's recovery
// reports it.
func (c *Backend) RunParts(n int, fn func(part int)) { c.pool.Run(n, fn) }

// CopiesArguments tells the loader that NewLinear and Constant keep no reference to their data
// arguments (they pack or copy them), so one scratch buffer may carry every tensor
// (model.ArgumentCopier).
func (c *Backend) CopiesArguments() bool { return true }

// parallel runs fn over a split of [0, n) on the pool: a few chunks per thread, so that uneven chunks
// balance; work below about minWork elements in all stays on the calling goroutine.
func (c *Backend) parallel(n, perItem int, fn func(lo, hi int)) {
	const minWork = 32 << 10
	if n <= 0 {
		return
	}
	parts := min(n, 4*c.pool.Threads())
	if parts == 1 || n*perItem < minWork {
		fn(0, n)
		return
	}
	c.pool.Run(parts, func(p int) { fn(p*n/parts, (p+1)*n/parts) })
}

// NewConstant is a zeroed constant in the backend's arena (outside the Go heap), for the loader to
// read a tensor into (model.ConstantAllocator).
func (c *Backend) NewConstant(rows, cols int) model.Mat {
	return model.Mat{Rows: rows, Cols: cols, Ld: cols, Host: c.arena.alloc(rows * cols)}
}

// Constant copies data into the backend's arena (outside the Go heap).
func (c *Backend) Constant(data []float32, rows, cols int) model.Mat {
	host := c.arena.alloc(rows * cols)
	copy(host, data[:rows*cols])
	return model.Mat{Rows: rows, Cols: cols, Ld: cols, Host: host}
}

// row returns row r of m.
func row(m model.Mat, r int) []float32 { return m.Host[r*m.Ld : r*m.Ld+m.Cols] }

func (c *Backend) Upload(m model.Mat, data []float32) {
	if m.Ld == m.Cols {
		copy(m.Host[:m.Rows*m.Cols], data)
		return
	}
	for r := range m.Rows {
		copy(row(m, r), data[r*m.Cols:])
	}
}

func (c *Backend) Download(data []float32, m model.Mat) {
	if m.Ld == m.Cols {
		copy(data, m.Host[:m.Rows*m.Cols])
		return
	}
	for r := range m.Rows {
		copy(data[r*m.Cols:], row(m, r))
	}
}

type linear struct {
	c *Backend
	w *gemm.Weights
	b []float32
}

func (c *Backend) NewLinear(w, b []float32, n, k int) model.Linear {
	l := &linear{c: c}
	if c.bf16 {
		l.w = gemm.PackBF16(w, n, k)
	} else {
		l.w = gemm.Pack(w, n, k)
	}
	if b != nil {
		l.b = append([]float32(nil), b[:n]...)
	}
	return l
}

func (l *linear) Dims() (int, int) { return l.w.Dims() }

// gemmAct maps an model.Activation to gemm's.
func gemmAct(a model.Activation) gemm.Activation {
	switch a {
	case model.ActQuickGELU:
		return gemm.ActQuickGELU
	case model.ActGELU:
		return gemm.ActGELU
	case model.ActGELUTanh:
		return gemm.ActGELUTanh
	case model.ActReLU:
		return gemm.ActReLU
	}
	return gemm.ActNone
}

// Forward runs the GEMM with bias, activation and residual fused into its tiles: y is written once.
func (l *linear) Forward(y, x model.Mat, ep model.Epilogue) {
	n, k := l.w.Dims()
	if x.Cols != k || y.Cols != n || y.Rows != x.Rows {
		panic(fmt.Sprintf("model: model.Linear %dx%d: x %dx%d -> y %dx%d", n, k, x.Rows, x.Cols, y.Rows, y.Cols))
	}
	gep := gemm.Epilogue{Act: gemmAct(ep.Act)}
	if ep.Residual != nil && ep.Residual.Rows > 0 {
		gep.Res, gep.LdRes = ep.Residual.Host, ep.Residual.Ld
	}
	gemm.LinearEpilogue(l.c.pool, y.Host, y.Ld, x.Host, x.Ld, x.Rows, l.w, l.b, gep)
}

func (c *Backend) LayerNorm(y, x, gamma, beta model.Mat, eps float32) {
	g, b := row(gamma, 0), row(beta, 0)
	c.parallel(x.Rows, x.Cols, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			gemm.LayerNorm(row(y, r), row(x, r), g, b, eps)
		}
	})
}

// attnScratch is one task's score matrix, recycled.
var attnScratch = sync.Pool{New: func() any { return new([]float32) }}

func (c *Backend) Attention(out, q, k, v model.Mat, a model.AttentionShape) {
	c.pool.Run(a.Seqs*a.Heads, func(task int) {
		s, h := task/a.Heads, task%a.Heads
		off := h * a.HeadDim
		qs := q.Host[s*a.Lq*q.Ld+off:]
		ks := k.Host[s*a.Lk*k.Ld+off:]
		vs := v.Host[s*a.Lk*v.Ld+off:]
		os := out.Host[s*a.Lq*out.Ld+off:]
		buf := attnScratch.Get().(*[]float32)
		if cap(*buf) < a.Lq*a.Lk {
			*buf = make([]float32, a.Lq*a.Lk)
		}
		scores := (*buf)[:a.Lq*a.Lk]
		gemm.NT(a.Lq, a.Lk, a.HeadDim, qs, q.Ld, ks, k.Ld, scores, a.Lk)
		for i := range a.Lq {
			softmaxRow(scores[i*a.Lk:(i+1)*a.Lk], a, s, i)
		}
		gemm.NN(a.Lq, a.HeadDim, a.Lk, scores, a.Lk, vs, v.Ld, os, out.Ld)
		attnScratch.Put(buf)
	})
}

// softmaxRow turns query i's raw scores into attention weights: scale, mask, softmax. A row whose keys
// are all masked becomes zero.
func softmaxRow(sc []float32, a model.AttentionShape, s, i int) {
	n := len(sc)
	if a.Causal && i+1 < n {
		n = i + 1 // keys after the query are masked
		clear(sc[n:])
	}
	if a.KeyMask != nil {
		mask := a.KeyMask[s*a.Lk : s*a.Lk+n]
		for j, m := range mask {
			if m == 0 {
				sc[j] = float32(math.Inf(-1))
			}
		}
	}
	gemm.Softmax(sc[:n], a.Scale)
}

func (c *Backend) Add(y, x model.Mat) {
	c.parallel(y.Rows, y.Cols, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			gemm.Add(row(y, r), row(x, r%x.Rows))
		}
	})
}

func (c *Backend) Activate(y model.Mat, act model.Activation) {
	ga := gemmAct(act)
	if ga == gemm.ActNone {
		return
	}
	c.parallel(y.Rows, y.Cols, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			gemm.Activate(row(y, r), ga)
		}
	})
}

func (c *Backend) ScaleColumns(y, s model.Mat) {
	sr := row(s, 0)
	for r := range y.Rows {
		gemm.Mul(row(y, r), sr)
	}
}

func (c *Backend) Copy(y, x model.Mat) {
	for r := range y.Rows {
		copy(row(y, r), row(x, r))
	}
}

func (c *Backend) Gather(y, x model.Mat, rows []int) {
	for i, r := range rows {
		copy(row(y, i), row(x, r))
	}
}

func (c *Backend) MeanFrames(y, x model.Mat, videos, t, n, frameRows int) {
	inv := 1 / float32(t)
	c.parallel(videos*n, t*x.Cols, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			v, i := r/n, r%n
			yr := row(y, r)
			copy(yr, row(x, (v*t)*frameRows+i))
			for f := 1; f < t; f++ {
				gemm.Add(yr, row(x, (v*t+f)*frameRows+i))
			}
			gemm.Scale(yr, inv)
		}
	})
}

func (c *Backend) Normalize(y model.Mat) {
	for r := range y.Rows {
		yr := row(y, r)
		s := gemm.Dot(yr, yr)
		gemm.Scale(yr, float32(1/math.Sqrt(float64(s))))
	}
}

func (c *Backend) RowDots(y, a, b model.Mat, k int, scale float32) {
	for v := range a.Rows {
		av := row(a, v)
		for j := range k {
			row(y, v)[j] = scale * gemm.Dot(av, row(b, v*k+j))
		}
	}
}
