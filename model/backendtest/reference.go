package backendtest

import (
	"fmt"
	"math"

	"github.com/xclipfilter/xclipfilter/model"
)

// Reference is the plain Go backend every other backend is checked against: each operation is the
// loop its model.Backend doc comment writes, summed in float64, with no blocking, packing, threads or
// fused shortcuts. It is slow and only for checks.
type Reference struct{}

// NewReference returns the reference backend.
func NewReference() *Reference { return &Reference{} }

func (*Reference) Name() string { return "reference" }

type refWorkspace struct{}

// Alloc returns a zeroed matrix from the Go heap.
func (refWorkspace) Alloc(rows, cols int) model.Mat {
	return model.Mat{Rows: rows, Cols: cols, Ld: cols, Host: make([]float32, rows*cols)}
}

func (refWorkspace) Release() {}

func (*Reference) Workspace() model.Workspace { return refWorkspace{} }

func (*Reference) Constant(data []float32, rows, cols int) model.Mat {
	return model.Mat{Rows: rows, Cols: cols, Ld: cols, Host: append([]float32(nil), data[:rows*cols]...)}
}

// at returns element (r, c) of m.
func at(m model.Mat, r, c int) float64 { return float64(m.Host[r*m.Ld+c]) }

func set(m model.Mat, r, c int, v float64) { m.Host[r*m.Ld+c] = float32(v) }

func (*Reference) Upload(m model.Mat, data []float32) {
	for r := range m.Rows {
		for c := range m.Cols {
			m.Host[r*m.Ld+c] = data[r*m.Cols+c]
		}
	}
}

func (*Reference) Download(data []float32, m model.Mat) {
	for r := range m.Rows {
		for c := range m.Cols {
			data[r*m.Cols+c] = m.Host[r*m.Ld+c]
		}
	}
}

// refLinear keeps W [n, k] and b [n] as given.
type refLinear struct {
	w, b []float32
	n, k int
}

func (*Reference) NewLinear(w, b []float32, n, k int) model.Linear {
	l := &refLinear{w: append([]float32(nil), w[:n*k]...), n: n, k: k}
	if b != nil {
		l.b = append([]float32(nil), b[:n]...)
	}
	return l
}

func (l *refLinear) Dims() (int, int) { return l.n, l.k }

// Forward computes y[r][j] = act(Σ_i x[r][i]·W[j][i] + b[j]) + residual[r][j], row by row (y may be
// the residual).
func (l *refLinear) Forward(y, x model.Mat, ep model.Epilogue) {
	if x.Cols != l.k || y.Cols != l.n || y.Rows != x.Rows {
		panic(fmt.Sprintf("reference: Linear %dx%d: x %dx%d -> y %dx%d", l.n, l.k, x.Rows, x.Cols, y.Rows, y.Cols))
	}
	out := make([]float64, l.n)
	for r := range x.Rows {
		for j := range l.n {
			var s float64
			for i := range l.k {
				s += at(x, r, i) * float64(l.w[j*l.k+i])
			}
			if l.b != nil {
				s += float64(l.b[j])
			}
			s = activate(s, ep.Act)
			if ep.Residual != nil {
				s += at(*ep.Residual, r, j)
			}
			out[j] = s
		}
		for j, v := range out {
			set(y, r, j, v)
		}
	}
}

// activate is the Activation's formula.
func activate(x float64, a model.Activation) float64 {
	switch a {
	case model.ActQuickGELU: // x·σ(1.702x)
		return x / (1 + math.Exp(-1.702*x))
	case model.ActGELU: // the erf form
		return 0.5 * x * (1 + math.Erf(x/math.Sqrt2))
	case model.ActGELUTanh:
		return 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x)))
	case model.ActReLU:
		return math.Max(x, 0)
	}
	return x
}

func (*Reference) LayerNorm(y, x, gamma, beta model.Mat, eps float32) {
	for r := range x.Rows {
		var mean, variance float64
		for c := range x.Cols {
			mean += at(x, r, c)
		}
		mean /= float64(x.Cols)
		for c := range x.Cols {
			d := at(x, r, c) - mean
			variance += d * d
		}
		variance /= float64(x.Cols)
		inv := 1 / math.Sqrt(variance+float64(eps))
		for c := range x.Cols {
			set(y, r, c, (at(x, r, c)-mean)*inv*at(gamma, 0, c)+at(beta, 0, c))
		}
	}
}

// Attention: for each sequence s and head h, softmax over the unmasked keys of scale·q·k, times v; a
// query whose keys are all masked gets zeros.
func (*Reference) Attention(out, q, k, v model.Mat, a model.AttentionShape) {
	scores := make([]float64, a.Lk)
	for s := range a.Seqs {
		for h := range a.Heads {
			off := h * a.HeadDim
			for i := range a.Lq {
				mx := math.Inf(-1)
				for j := range a.Lk {
					scores[j] = math.Inf(-1)
					if (a.Causal && j > i) || (a.KeyMask != nil && a.KeyMask[s*a.Lk+j] == 0) {
						continue
					}
					var d float64
					for e := range a.HeadDim {
						d += at(q, s*a.Lq+i, off+e) * at(k, s*a.Lk+j, off+e)
					}
					scores[j] = float64(a.Scale) * d
					mx = math.Max(mx, scores[j])
				}
				var sum float64
				for j := range scores {
					if !math.IsInf(scores[j], -1) {
						scores[j] = math.Exp(scores[j] - mx)
						sum += scores[j]
					} else {
						scores[j] = 0
					}
				}
				for e := range a.HeadDim {
					var o float64
					if sum > 0 {
						for j := range a.Lk {
							o += scores[j] * at(v, s*a.Lk+j, off+e)
						}
						o /= sum
					}
					set(out, s*a.Lq+i, off+e, o)
				}
			}
		}
	}
}

func (*Reference) Add(y, x model.Mat) {
	for r := range y.Rows {
		for c := range y.Cols {
			set(y, r, c, at(y, r, c)+at(x, r%x.Rows, c))
		}
	}
}

func (*Reference) Activate(y model.Mat, act model.Activation) {
	for r := range y.Rows {
		for c := range y.Cols {
			set(y, r, c, activate(at(y, r, c), act))
		}
	}
}

func (*Reference) ScaleColumns(y, s model.Mat) {
	for r := range y.Rows {
		for c := range y.Cols {
			set(y, r, c, at(y, r, c)*at(s, 0, c))
		}
	}
}

func (*Reference) Copy(y, x model.Mat) {
	for r := range y.Rows {
		for c := range y.Cols {
			set(y, r, c, at(x, r, c))
		}
	}
}

func (*Reference) Gather(y, x model.Mat, rows []int) {
	for i, r := range rows {
		for c := range y.Cols {
			set(y, i, c, at(x, r, c))
		}
	}
}

func (*Reference) MeanFrames(y, x model.Mat, videos, t, n, frameRows int) {
	for v := range videos {
		for i := range n {
			for c := range y.Cols {
				var s float64
				for f := range t {
					s += at(x, (v*t+f)*frameRows+i, c)
				}
				set(y, v*n+i, c, s/float64(t))
			}
		}
	}
}

func (*Reference) Normalize(y model.Mat) {
	for r := range y.Rows {
		var s float64
		for c := range y.Cols {
			s += at(y, r, c) * at(y, r, c)
		}
		inv := 1 / math.Sqrt(s)
		for c := range y.Cols {
			set(y, r, c, at(y, r, c)*inv)
		}
	}
}

func (*Reference) RowDots(y, a, b model.Mat, k int, scale float32) {
	for v := range a.Rows {
		for j := range k {
			var d float64
			for c := range a.Cols {
				d += at(a, v, c) * at(b, v*k+j, c)
			}
			set(y, v, j, float64(scale)*d)
		}
	}
}

// Patchify: per frame a zero row, one row per P×P patch (in row-major patch order) holding its pixels
// in (c, ky, kx) order, and a zero row.
func (*Reference) Patchify(cols, pixels model.Mat, frames, channels, size, patch int) {
	g := size / patch
	px := pixels.Host
	if pixels.Ld != pixels.Cols && pixels.Rows > 1 {
		panic("reference: Patchify of strided pixels")
	}
	for f := range frames {
		base := f * (g*g + 2)
		for c := range cols.Cols {
			set(cols, base, c, 0)
			set(cols, base+g*g+1, c, 0)
		}
		for py := range g {
			for pxi := range g {
				row := base + 1 + py*g + pxi
				for ch := range channels {
					for ky := range patch {
						for kx := range patch {
							val := px[((f*channels+ch)*size+py*patch+ky)*size+pxi*patch+kx]
							cols.Host[row*cols.Ld+(ch*patch+ky)*patch+kx] = val
						}
					}
				}
			}
		}
	}
}
