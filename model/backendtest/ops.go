// Package backendtest is the conformance suite every model.Backend passes: every operation against
// the plain Go Reference on random inputs, strided views and aliasing included (Ops), and the whole
// model against the peer's golden outputs (Parity). Run puts both under go test: the CPU backend's
// tests run it for each of its kernel paths, the CUDA backend's on the emulated device, and
// xclip-cuda-check runs Ops and Parity on a GPU.
package backendtest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/xclipfilter/xclipfilter/model"
)

// Result is one check: the largest error, relative to the reference's largest magnitude.
type Result struct {
	Name string
	Err  float64 // max |got - want| / max(1, max |want|)
	Tol  float64
	Fail string // non-empty: why it failed (a panic, a mismatch in size)
}

func (r Result) OK() bool { return r.Fail == "" && r.Err <= r.Tol && !math.IsNaN(r.Err) }

func (r Result) String() string {
	verdict := "ok  "
	if !r.OK() {
		verdict = "FAIL"
	}
	if r.Fail != "" {
		return fmt.Sprintf("%s %-44s %s", verdict, r.Name, r.Fail)
	}
	return fmt.Sprintf("%s %-44s err %.3g (tol %.3g)", verdict, r.Name, r.Err, r.Tol)
}

// Tolerances: fp32 operations, and the GEMM in the backend's mode (reduced precision: operands rounded
// to bf16 has a relative error up to 2^-8 each).
type Tolerances struct {
	Op, GEMM float64
}

// ForDType returns the tolerances for "fp32", "bf16" or "fp16".
func ForDType(dtype string) Tolerances {
	switch dtype {
	case "bf16":
		return Tolerances{Op: 2e-5, GEMM: 3e-2}
	case "fp16":
		return Tolerances{Op: 2e-5, GEMM: 5e-3}
	}
	return Tolerances{Op: 2e-5, GEMM: 2e-5}
}

// pair runs the same steps on the backend under test and the reference.
type pair struct {
	b, ref   model.Backend
	wsB, wsR model.Workspace
	r        *rand.Rand
}

// mat is one matrix on both backends.
type mat struct{ b, ref model.Mat }

func (p *pair) alloc(rows, cols int) mat {
	return mat{p.wsB.Alloc(rows, cols), p.wsR.Alloc(rows, cols)}
}

// random allocates and fills with values in [-scale, scale).
func (p *pair) random(rows, cols int, scale float64) mat {
	m := p.alloc(rows, cols)
	data := p.values(rows*cols, scale)
	p.b.Upload(m.b, data)
	p.ref.Upload(m.ref, data)
	return m
}

func (p *pair) values(n int, scale float64) []float32 {
	data := make([]float32, n)
	for i := range data {
		data[i] = float32((2*p.r.Float64() - 1) * scale)
	}
	return data
}

func (p *pair) constant(rows, cols int, scale float64) mat {
	data := p.values(rows*cols, scale)
	return mat{p.b.Constant(append([]float32(nil), data...), rows, cols), p.ref.Constant(data, rows, cols)}
}

func (m mat) view(f func(model.Mat) model.Mat) mat { return mat{f(m.b), f(m.ref)} }

// compare downloads m from both backends.
func (p *pair) compare(name string, m mat, tol float64) Result {
	got := make([]float32, m.b.Rows*m.b.Cols)
	want := make([]float32, m.ref.Rows*m.ref.Cols)
	p.b.Download(got, m.b)
	p.ref.Download(want, m.ref)
	return Result{Name: name, Err: relErr(got, want), Tol: tol}
}

func relErr(got, want []float32) float64 {
	var d, mag float64
	for i := range want {
		d = math.Max(d, math.Abs(float64(got[i])-float64(want[i])))
		if math.IsNaN(float64(got[i])) {
			return math.NaN()
		}
		mag = math.Max(mag, math.Abs(float64(want[i])))
	}
	return d / math.Max(1, mag)
}

// Ops runs every operation on b and on the Reference, and returns one Result per check.
func Ops(b model.Backend, tol Tolerances) (results []Result) {
	var ref model.Backend = NewReference()
	p := &pair{b: b, ref: ref, wsB: b.Workspace(), wsR: ref.Workspace(), r: rand.New(rand.NewPCG(7, 11))}
	defer p.wsB.Release()
	defer p.wsR.Release()
	run := func(name string, f func() []Result) {
		defer func() {
			if e := recover(); e != nil {
				results = append(results, Result{Name: name, Fail: fmt.Sprint("panic: ", e)})
			}
		}()
		results = append(results, f()...)
	}

	run("zeroed Alloc", func() []Result {
		m := p.alloc(7, 13)
		return []Result{p.compare("zeroed Alloc", m, 0)}
	})
	run("upload/download strided", func() []Result {
		big := p.random(9, 20, 1)
		v := big.view(func(m model.Mat) model.Mat { return m.Columns(3, 14).Slice(2, 8) })
		data := p.values(6*11, 2)
		p.b.Upload(v.b, data)
		p.ref.Upload(v.ref, data)
		return []Result{p.compare("upload strided", big, 0), p.compare("download strided", v, 0)}
	})

	// Linear layers: shapes, bias, activations, residual (separate and in place), strided and unaligned x.
	type lin struct {
		m, n, k int
		bias    bool
		act     model.Activation
		res     int // 0 none, 1 separate, 2 in place (y is the residual)
		xOffset int // x is columns [xOffset, xOffset+k) of a wider matrix
	}
	lins := []lin{
		{1, 8, 8, true, model.ActNone, 0, 0},
		{37, 45, 24, true, model.ActQuickGELU, 0, 0},
		{50, 36, 16, true, model.ActGELU, 1, 0},
		{64, 130, 96, false, model.ActNone, 2, 0},
		{130, 200, 68, true, model.ActGELUTanh, 0, 4},
		{129, 64, 40, true, model.ActReLU, 1, 1},
		{300, 260, 192, true, model.ActQuickGELU, 2, 0},
		{520, 384, 128, true, model.ActNone, 0, 0},
		{16, 3072, 588, false, model.ActNone, 0, 0},
	}
	for _, c := range lins {
		name := fmt.Sprintf("Linear m%d n%d k%d bias=%v act=%d res=%d xoff=%d", c.m, c.n, c.k, c.bias, c.act, c.res, c.xOffset)
		run(name, func() []Result {
			w := p.values(c.n*c.k, 1/math.Sqrt(float64(c.k)))
			var bias []float32
			if c.bias {
				bias = p.values(c.n, 0.5)
			}
			var biasB []float32
			if bias != nil {
				biasB = append([]float32(nil), bias...)
			}
			lb := p.b.NewLinear(append([]float32(nil), w...), biasB, c.n, c.k)
			lr := p.ref.NewLinear(w, bias, c.n, c.k)
			xw := p.random(c.m, c.k+c.xOffset+3, 1)
			x := xw.view(func(m model.Mat) model.Mat { return m.Columns(c.xOffset, c.xOffset+c.k) })
			y := p.alloc(c.m, c.n)
			var epB, epR model.Epilogue
			epB.Act, epR.Act = c.act, c.act
			switch c.res {
			case 1:
				r := p.random(c.m, c.n, 1)
				epB.Residual, epR.Residual = &r.b, &r.ref
			case 2:
				y = p.random(c.m, c.n, 1)
				epB.Residual, epR.Residual = &y.b, &y.ref
			}
			lb.Forward(y.b, x.b, epB)
			lr.Forward(y.ref, x.ref, epR)
			return []Result{p.compare(name, y, tol.GEMM)}
		})
	}

	run("LayerNorm", func() []Result {
		x := p.random(33, 70, 3)
		g, bt := p.constant(1, 70, 1), p.constant(1, 70, 1)
		y := p.alloc(33, 70)
		p.b.LayerNorm(y.b, x.b, g.b, bt.b, 1e-5)
		p.ref.LayerNorm(y.ref, x.ref, g.ref, bt.ref, 1e-5)
		// In place, on a strided view.
		w := p.random(12, 80, 2)
		v := w.view(func(m model.Mat) model.Mat { return m.Columns(5, 75) })
		p.b.LayerNorm(v.b, v.b, g.b, bt.b, 1e-5)
		p.ref.LayerNorm(v.ref, v.ref, g.ref, bt.ref, 1e-5)
		return []Result{p.compare("LayerNorm", y, tol.Op), p.compare("LayerNorm in place, strided", w, tol.Op)}
	})

	type att struct {
		name                string
		seqs, lq, lk, heads int
		hd                  int
		causal, mask, fused bool
	}
	atts := []att{
		{"text causal+mask", 3, 9, 9, 2, 6, true, true, true},
		{"vision fused qkv", 2, 51, 51, 3, 16, false, false, true},
		{"prompts cross", 2, 5, 49, 4, 10, false, false, false},
		{"message T=8", 3, 8, 8, 12, 64, false, false, true},
		{"large 258 tokens", 1, 258, 258, 2, 64, false, false, true},
		{"head 96", 2, 8, 256, 1, 96, false, false, false},
		{"all keys masked", 2, 4, 4, 1, 8, false, true, false},
	}
	for _, c := range atts {
		run("Attention "+c.name, func() []Result {
			w := c.heads * c.hd
			var q, k, v mat
			if c.fused {
				qkv := p.random(c.seqs*c.lq, 3*w, 1.5)
				q = qkv.view(func(m model.Mat) model.Mat { return m.Columns(0, w) })
				k = qkv.view(func(m model.Mat) model.Mat { return m.Columns(w, 2*w) })
				v = qkv.view(func(m model.Mat) model.Mat { return m.Columns(2*w, 3*w) })
			} else {
				q, k, v = p.random(c.seqs*c.lq, w, 1.5), p.random(c.seqs*c.lk, w, 1.5), p.random(c.seqs*c.lk, w, 1.5)
			}
			shape := model.AttentionShape{Seqs: c.seqs, Lq: c.lq, Lk: c.lk, Heads: c.heads, HeadDim: c.hd,
				Scale: float32(1 / math.Sqrt(float64(c.hd))), Causal: c.causal}
			if c.mask {
				shape.KeyMask = make([]int, c.seqs*c.lk)
				for s := range c.seqs {
					valid := c.lk - 2*s
					if c.name == "all keys masked" && s == 1 {
						valid = 0
					}
					for j := range valid {
						shape.KeyMask[s*c.lk+j] = 1
					}
				}
			}
			out := p.alloc(c.seqs*c.lq, w)
			p.b.Attention(out.b, q.b, k.b, v.b, shape)
			p.ref.Attention(out.ref, q.ref, k.ref, v.ref, shape)
			return []Result{p.compare("Attention "+c.name, out, tol.Op)}
		})
	}

	run("Add, Activate, ScaleColumns, Copy", func() []Result {
		y := p.random(12, 33, 1)
		pos := p.constant(4, 33, 1)
		p.b.Add(y.b, pos.b)
		p.ref.Add(y.ref, pos.ref)
		rs := []Result{p.compare("Add repeating rows", y, tol.Op)}
		for _, a := range []model.Activation{model.ActQuickGELU, model.ActGELU, model.ActGELUTanh, model.ActReLU} {
			z := p.random(5, 40, 4)
			p.b.Activate(z.b, a)
			p.ref.Activate(z.ref, a)
			rs = append(rs, p.compare(fmt.Sprintf("Activate %d", a), z, tol.Op))
		}
		s := p.constant(1, 33, 2)
		p.b.ScaleColumns(y.b, s.b)
		p.ref.ScaleColumns(y.ref, s.ref)
		rs = append(rs, p.compare("ScaleColumns", y, tol.Op))
		// Copy into every 5th row (the message slots) from a packed matrix.
		dst := p.random(20, 33, 1)
		src := p.random(4, 33, 1)
		slots := dst.view(func(m model.Mat) model.Mat { return m.Slice(4, 20).Every(5) })
		p.b.Copy(slots.b, src.b)
		p.ref.Copy(slots.ref, src.ref)
		rs = append(rs, p.compare("Copy strided", dst, 0))
		return rs
	})
	run("Gather, MeanFrames, Normalize, RowDots", func() []Result {
		x := p.random(30, 24, 1)
		g := p.alloc(5, 24)
		rows := []int{29, 0, 7, 7, 13}
		p.b.Gather(g.b, x.b, rows)
		p.ref.Gather(g.ref, x.ref, rows)
		rs := []Result{p.compare("Gather", g, 0)}
		// 2 videos, 3 frames of 5 rows, mean of rows 1..3 of each frame.
		fr := p.random(2*3*5, 24, 1)
		mf := p.alloc(2*3, 24)
		p.b.MeanFrames(mf.b, fr.b.Slice(1, 30), 2, 3, 3, 5)
		p.ref.MeanFrames(mf.ref, fr.ref.Slice(1, 30), 2, 3, 3, 5)
		rs = append(rs, p.compare("MeanFrames", mf, tol.Op))
		n := p.random(6, 24, 3)
		p.b.Normalize(n.b)
		p.ref.Normalize(n.ref)
		rs = append(rs, p.compare("Normalize", n, tol.Op))
		a, bb := p.random(2, 24, 1), p.random(2*5, 24, 1)
		y := p.alloc(2, 5)
		p.b.RowDots(y.b, a.b, bb.b, 5, 100)
		p.ref.RowDots(y.ref, a.ref, bb.ref, 5, 100)
		rs = append(rs, p.compare("RowDots", y, tol.Op))
		return rs
	})
	run("optional capabilities", func() []Result { return capabilities(b) })
	run("Patchify", func() []Result {
		// 3 frames of 2×12×12 pixels in 4×4 patches: 9 patches + CLS + message rows per frame.
		px := p.random(3*2*12, 12, 1)
		cols := p.alloc(3*11, 2*4*4)
		p.b.Patchify(cols.b, px.b, 3, 2, 12, 4)
		p.ref.Patchify(cols.ref, px.ref, 3, 2, 12, 4)
		return []Result{p.compare("Patchify", cols, 0)}
	})
	return results
}

// capabilities checks the optional interfaces b implements (model.PartsBackend, model.UninitWorkspace,
// model.ConstantAllocator) against their contracts; a backend without them passes.
func capabilities(b model.Backend) []Result {
	var rs []Result
	check := func(name string, fail string) {
		rs = append(rs, Result{Name: name, Fail: fail})
	}
	if pb, ok := b.(model.PartsBackend); ok {
		fail := ""
		if pb.Parts() < 1 {
			fail = fmt.Sprintf("Parts() = %d", pb.Parts())
		}
		var mu sync.Mutex
		calls := make([]int, 7)
		pb.RunParts(len(calls), func(part int) {
			mu.Lock()
			defer mu.Unlock()
			calls[part]++
		})
		for part, n := range calls {
			if n != 1 && fail == "" {
				fail = fmt.Sprintf("RunParts(7) ran part %d %d times", part, n)
			}
		}
		check("PartsBackend: every part once", fail)
	}
	ws := b.Workspace()
	defer ws.Release()
	if u, ok := ws.(model.UninitWorkspace); ok {
		m := u.AllocUninit(3, 5)
		fail := ""
		if m.Rows != 3 || m.Cols != 5 || m.Ld < 5 {
			fail = fmt.Sprintf("AllocUninit(3, 5) is %dx%d (ld %d)", m.Rows, m.Cols, m.Ld)
		} else {
			in := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}
			out := make([]float32, len(in))
			b.Upload(m, in)
			b.Download(out, m)
			for i := range in {
				if in[i] != out[i] && fail == "" {
					fail = fmt.Sprintf("AllocUninit matrix: element %d reads back %v, wrote %v", i, out[i], in[i])
				}
			}
		}
		check("UninitWorkspace: usable matrix", fail)
	}
	if ca, ok := b.(model.ConstantAllocator); ok {
		m := ca.NewConstant(4, 6)
		fail := ""
		if m.Rows != 4 || m.Cols != 6 || m.Ld != 6 || len(m.Host) < 24 {
			fail = fmt.Sprintf("NewConstant(4, 6) is %dx%d (ld %d, %d host values)", m.Rows, m.Cols, m.Ld, len(m.Host))
		} else {
			for i, v := range m.Host[:24] {
				if v != 0 && fail == "" {
					fail = fmt.Sprintf("NewConstant: element %d is %v, not zero", i, v)
				}
			}
		}
		check("ConstantAllocator: zeroed host matrix", fail)
	}
	return rs
}
