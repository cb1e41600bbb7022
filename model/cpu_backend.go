package model

import (
	"math"

	"github.com/xclipfilter/xclipfilter/internal/gemm"
)

// cpuBackend is the pure-Go backend: activations live in Go slices, matrix multiplies run on
// internal/gemm's packed-panel kernels (AVX-512, AVX2 or portable Go, chosen at run time).
type cpuBackend struct {
	pool *gemm.Pool
}

// NewCPUBackend returns the CPU backend using up to threads goroutines (<= 0: all cores). Backends of
// one process share gemm's helper goroutines, so several models never oversubscribe the cores.
func NewCPUBackend(threads int) Backend {
	return &cpuBackend{pool: gemm.NewPool(threads)}
}

func (c *cpuBackend) Name() string { return "cpu/" + gemm.Kernel() }

// parallel runs fn over a split of [0, n) on the pool: a few chunks per thread, so that uneven chunks
// balance.
func (c *cpuBackend) parallel(n int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	parts := min(n, 4*c.pool.Threads())
	if parts == 1 {
		fn(0, n)
		return
	}
	c.pool.Run(parts, func(p int) { fn(p*n/parts, (p+1)*n/parts) })
}

type hostWorkspace struct{}

func (hostWorkspace) Alloc(rows, cols int) Mat {
	return Mat{Rows: rows, Cols: cols, Ld: cols, Host: make([]float32, rows*cols)}
}
func (hostWorkspace) Release() {}

func (c *cpuBackend) Workspace() Workspace { return hostWorkspace{} }

func (c *cpuBackend) Constant(data []float32, rows, cols int) Mat {
	return Mat{Rows: rows, Cols: cols, Ld: cols, Host: data}
}

// row returns row r of m.
func row(m Mat, r int) []float32 { return m.Host[r*m.Ld : r*m.Ld+m.Cols] }

func (c *cpuBackend) Upload(m Mat, data []float32) {
	for r := range m.Rows {
		copy(row(m, r), data[r*m.Cols:])
	}
}

func (c *cpuBackend) Download(data []float32, m Mat) {
	for r := range m.Rows {
		copy(data[r*m.Cols:], row(m, r))
	}
}

type cpuLinear struct {
	c *cpuBackend
	w *gemm.Weights
	b []float32
}

func (c *cpuBackend) NewLinear(w, b []float32, n, k int) Linear {
	return &cpuLinear{c: c, w: gemm.Pack(w, n, k), b: b}
}

func (l *cpuLinear) Dims() (int, int) { return l.w.Dims() }

func (l *cpuLinear) Forward(y, x Mat, ep Epilogue) {
	if ep.Residual == nil {
		gemm.Linear(l.c.pool, y.Host, y.Ld, x.Host, x.Ld, x.Rows, l.w, l.b)
		l.c.Activate(y, ep.Act)
		return
	}
	// y may be the residual: compute into scratch, then y = act(scratch) + residual.
	n, _ := l.w.Dims()
	tmp := make([]float32, x.Rows*n)
	gemm.Linear(l.c.pool, tmp, n, x.Host, x.Ld, x.Rows, l.w, l.b)
	act := activationFunc(ep.Act)
	res := *ep.Residual
	l.c.parallel(x.Rows, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			t, yr, rr := tmp[r*n:(r+1)*n], row(y, r), row(res, r)
			if act != nil {
				for j, v := range t {
					yr[j] = act(v) + rr[j]
				}
			} else {
				for j, v := range t {
					yr[j] = v + rr[j]
				}
			}
		}
	})
}

func (c *cpuBackend) LayerNorm(y, x, gamma, beta Mat, eps float32) {
	g, b := row(gamma, 0), row(beta, 0)
	c.parallel(x.Rows, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			xr, yr := row(x, r), row(y, r)
			var mean float64
			for _, v := range xr {
				mean += float64(v)
			}
			mean /= float64(len(xr))
			var variance float64
			for _, v := range xr {
				d := float64(v) - mean
				variance += d * d
			}
			variance /= float64(len(xr))
			inv := 1 / math.Sqrt(variance+float64(eps))
			for i, v := range xr {
				yr[i] = float32((float64(v)-mean)*inv)*g[i] + b[i]
			}
		}
	})
}

func (c *cpuBackend) Attention(out, q, k, v Mat, a AttentionShape) {
	c.pool.Run(a.Seqs*a.Heads, func(task int) {
		s, h := task/a.Heads, task%a.Heads
		off := h * a.HeadDim
		qs := q.Host[s*a.Lq*q.Ld+off:]
		ks := k.Host[s*a.Lk*k.Ld+off:]
		vs := v.Host[s*a.Lk*v.Ld+off:]
		os := out.Host[s*a.Lq*out.Ld+off:]
		scores := make([]float32, a.Lq*a.Lk)
		gemm.NT(a.Lq, a.Lk, a.HeadDim, qs, q.Ld, ks, k.Ld, scores, a.Lk)
		for i := range a.Lq {
			softmaxRow(scores[i*a.Lk:(i+1)*a.Lk], a, s, i)
		}
		gemm.NN(a.Lq, a.HeadDim, a.Lk, scores, a.Lk, vs, v.Ld, os, out.Ld)
	})
}

// softmaxRow turns query i's raw scores into attention weights: scale, mask, softmax. A row whose keys
// are all masked becomes zero.
func softmaxRow(sc []float32, a AttentionShape, s, i int) {
	maxv := float32(math.Inf(-1))
	for j := range sc {
		if masked(a, s, i, j) {
			sc[j] = float32(math.Inf(-1))
			continue
		}
		sc[j] *= a.Scale
		maxv = max(maxv, sc[j])
	}
	if math.IsInf(float64(maxv), -1) {
		clear(sc)
		return
	}
	var sum float32
	for j, x := range sc {
		e := float32(math.Exp(float64(x - maxv)))
		sc[j] = e
		sum += e
	}
	inv := 1 / sum
	for j := range sc {
		sc[j] *= inv
	}
}

// masked reports whether query i may not see key j of sequence s.
func masked(a AttentionShape, s, i, j int) bool {
	if a.Causal && j > i {
		return true
	}
	return a.KeyMask != nil && a.KeyMask[s*a.Lk+j] == 0
}

func (c *cpuBackend) Add(y, x Mat) {
	for r := range y.Rows {
		yr, xr := row(y, r), row(x, r%x.Rows)
		for i, v := range xr {
			yr[i] += v
		}
	}
}

func (c *cpuBackend) Activate(y Mat, act Activation) {
	f := activationFunc(act)
	if f == nil {
		return
	}
	c.parallel(y.Rows, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			yr := row(y, r)
			for i, v := range yr {
				yr[i] = f(v)
			}
		}
	})
}

func (c *cpuBackend) ScaleColumns(y, s Mat) {
	sr := row(s, 0)
	for r := range y.Rows {
		yr := row(y, r)
		for i := range yr {
			yr[i] *= sr[i]
		}
	}
}

func (c *cpuBackend) Copy(y, x Mat) {
	for r := range y.Rows {
		copy(row(y, r), row(x, r))
	}
}

func (c *cpuBackend) Gather(y, x Mat, rows []int) {
	for i, r := range rows {
		copy(row(y, i), row(x, r))
	}
}

func (c *cpuBackend) MeanFrames(y, x Mat, videos, t, n, frameRows int) {
	c.parallel(videos*n, func(lo, hi int) {
		acc := make([]float64, x.Cols)
		for r := lo; r < hi; r++ {
			v, i := r/n, r%n
			clear(acc)
			for f := range t {
				for j, val := range row(x, (v*t+f)*frameRows+i) {
					acc[j] += float64(val)
				}
			}
			yr := row(y, r)
			for j := range yr {
				yr[j] = float32(acc[j] / float64(t))
			}
		}
	})
}

func (c *cpuBackend) Normalize(y Mat) {
	for r := range y.Rows {
		yr := row(y, r)
		var s float64
		for _, v := range yr {
			s += float64(v) * float64(v)
		}
		inv := float32(1 / math.Sqrt(s))
		for i := range yr {
			yr[i] *= inv
		}
	}
}

func (c *cpuBackend) RowDots(y, a, b Mat, k int, scale float32) {
	for v := range a.Rows {
		av := row(a, v)
		for j := range k {
			bv := row(b, v*k+j)
			var dot float64
			for i := range av {
				dot += float64(av[i]) * float64(scale*bv[i])
			}
			row(y, v)[j] = float32(dot)
		}
	}
}

// activationFunc is the scalar form of an Activation (nil for ActNone).
func activationFunc(a Activation) func(float32) float32 {
	switch a {
	case ActQuickGELU:
		return quickGELU
	case ActGELU:
		return gelu
	case ActGELUTanh:
		return geluTanh
	case ActReLU:
		return relu
	}
	return nil
}
