package model

import (
	"math"
	"runtime"
	"sync"
)

// cpuBackend is the pure-Go backend: activations live in Go slices.
type cpuBackend struct {
	threads int
}

// NewCPUBackend returns the CPU backend using up to threads goroutines (<= 0: all cores).
func NewCPUBackend(threads int) Backend {
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	return &cpuBackend{threads: threads}
}

func (c *cpuBackend) Name() string { return "cpu/generic" }

// parallel runs fn over a split of [0, n) on up to c.threads goroutines.
func (c *cpuBackend) parallel(n int, fn func(lo, hi int)) {
	parts := min(c.threads, n)
	if parts <= 1 {
		if n > 0 {
			fn(0, n)
		}
		return
	}
	var wg sync.WaitGroup
	for p := range parts {
		lo, hi := p*n/parts, (p+1)*n/parts
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
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
	c    *cpuBackend
	w, b []float32
	n, k int
}

func (c *cpuBackend) NewLinear(w, b []float32, n, k int) Linear {
	return &cpuLinear{c: c, w: w, b: b, n: n, k: k}
}

func (l *cpuLinear) Dims() (int, int) { return l.n, l.k }

func (l *cpuLinear) Forward(y, x Mat, ep Epilogue) {
	act := activationFunc(ep.Act)
	l.c.parallel(l.n, func(lo, hi int) {
		for i := range x.Rows {
			xi, yi := row(x, i), row(y, i)
			var res []float32
			if ep.Residual != nil {
				res = row(*ep.Residual, i)
			}
			for j := lo; j < hi; j++ {
				wj := l.w[j*l.k : (j+1)*l.k]
				var s float32
				for p, xv := range xi {
					s += xv * wj[p]
				}
				if l.b != nil {
					s += l.b[j]
				}
				if act != nil {
					s = act(s)
				}
				if res != nil {
					s += res[j]
				}
				yi[j] = s
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
	c.parallel(a.Seqs*a.Heads, func(lo, hi int) {
		scores := make([]float32, a.Lk)
		for task := lo; task < hi; task++ {
			s, h := task/a.Heads, task%a.Heads
			off := h * a.HeadDim
			for i := range a.Lq {
				qi := row(q, s*a.Lq+i)[off : off+a.HeadDim]
				maxv := float32(math.Inf(-1))
				for j := range a.Lk {
					if masked(a, s, i, j) {
						scores[j] = float32(math.Inf(-1))
						continue
					}
					kj := row(k, s*a.Lk+j)[off : off+a.HeadDim]
					var d float32
					for e, qv := range qi {
						d += qv * kj[e]
					}
					d *= a.Scale
					scores[j] = d
					maxv = max(maxv, d)
				}
				var sum float32
				for j := range a.Lk {
					if math.IsInf(float64(scores[j]), -1) {
						scores[j] = 0
						continue
					}
					e := float32(math.Exp(float64(scores[j] - maxv)))
					scores[j] = e
					sum += e
				}
				o := row(out, s*a.Lq+i)[off : off+a.HeadDim]
				clear(o)
				if sum == 0 { // every key masked: the row stays zero
					continue
				}
				inv := 1 / sum
				for j := range a.Lk {
					p := scores[j] * inv
					if p == 0 {
						continue
					}
					vj := row(v, s*a.Lk+j)[off : off+a.HeadDim]
					for e := range o {
						o[e] += p * vj[e]
					}
				}
			}
		}
	})
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
