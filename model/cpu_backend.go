package model

import (
	"math"
	"runtime"
	"sync"
)

// cpuBackend is the pure-Go backend.
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

func (c *cpuBackend) Parallel(n int, fn func(lo, hi int)) {
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

type cpuLinear struct {
	c    *cpuBackend
	w, b []float32
	n, k int
}

func (c *cpuBackend) NewLinear(w, b []float32, n, k int) Linear {
	return &cpuLinear{c: c, w: w, b: b, n: n, k: k}
}

func (l *cpuLinear) Dims() (int, int) { return l.n, l.k }

func (l *cpuLinear) Forward(y []float32, ldy int, x []float32, ldx, m int) {
	l.c.Parallel(l.n, func(lo, hi int) {
		for i := range m {
			xi := x[i*ldx : i*ldx+l.k]
			yi := y[i*ldy : i*ldy+l.n]
			for j := lo; j < hi; j++ {
				wj := l.w[j*l.k : (j+1)*l.k]
				var s float32
				for p, xv := range xi {
					s += xv * wj[p]
				}
				if l.b != nil {
					s += l.b[j]
				}
				yi[j] = s
			}
		}
	})
}

func (c *cpuBackend) Attention(out []float32, ldo int, q []float32, ldq int, k []float32, ldk int, v []float32, ldv int, a AttentionShape) {
	c.Parallel(a.Seqs*a.Heads, func(lo, hi int) {
		scores := make([]float32, a.Lk)
		for task := lo; task < hi; task++ {
			s, h := task/a.Heads, task%a.Heads
			off := h * a.HeadDim
			for i := range a.Lq {
				qi := q[(s*a.Lq+i)*ldq+off:][:a.HeadDim]
				maxv := float32(math.Inf(-1))
				for j := range a.Lk {
					if masked(a, s, i, j) {
						scores[j] = float32(math.Inf(-1))
						continue
					}
					kj := k[(s*a.Lk+j)*ldk+off:][:a.HeadDim]
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
				o := out[(s*a.Lq+i)*ldo+off:][:a.HeadDim]
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
					vj := v[(s*a.Lk+j)*ldv+off:][:a.HeadDim]
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
