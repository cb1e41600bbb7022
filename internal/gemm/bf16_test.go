package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func TestRoundBF16(t *testing.T) {
	for _, c := range []struct{ in, want float32 }{
		{1, 1},
		{1 + 1.0/256, 1},           // tie: to even (1)
		{1 + 3.0/256, 1 + 4.0/256}, // tie: to even (1 + 4/256)
		{1 + 1.0/256 + 1e-6, 1 + 2.0/256},
		{-2.5, -2.5},
		{float32(math.Inf(1)), float32(math.Inf(1))},
		{math.MaxFloat32, float32(math.Inf(1))}, // rounds past the largest bf16
	} {
		if got := RoundBF16(c.in); got != c.want {
			t.Errorf("RoundBF16(%v) = %v, want %v", c.in, got, c.want)
		}
	}
	if nan := RoundBF16(float32(math.NaN())); nan == nan {
		t.Error("RoundBF16(NaN) is not NaN")
	}
}

// withEmulated runs f for every kernel as forEachKernel does, and for the hidden emulated-avx512bf16
// and emulated-amx kernels (the VDPBF16PS and AMX paths' packing, blocking and numerics in Go).
func withEmulated(t *testing.T, f func(t *testing.T)) {
	forEachKernel(t, f)
	for _, name := range []string{"emulated-avx512bf16", "emulated-amx"} {
		t.Run(name, func(t *testing.T) {
			restore, err := UseKernel(name)
			if err != nil {
				t.Fatal(err)
			}
			defer restore()
			if !DotBF16() {
				t.Fatalf("DotBF16() = false on %s", name)
			}
			f(t)
		})
	}
}

// TestLinearBF16: Linear on PackBF16 weights equals the product with the weights rounded to bf16 (and
// the activations too where the kernel multiplies bf16 pairs), within the fp32 tolerance.
func TestLinearBF16(t *testing.T) {
	withEmulated(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(21, 22))
		pools := []*Pool{nil, NewPool(2), NewPool(3)}
		for si, sh := range testShapes(true) {
			lay := layouts[si%len(layouts)]
			pool := pools[si%len(pools)]
			t.Run(fmt.Sprintf("m%d_n%d_k%d_%s", sh.m, sh.n, sh.k, lay.name), func(t *testing.T) {
				m, n, k := sh.m, sh.n, sh.k
				a := newMatrix(rng, m, k, k+lay.pad, lay.off, true)
				w := newMatrix(rng, n, k, k, 0, true)
				var bias []float32
				if lay.useBias {
					bias = randFloats(rng, n)
				}
				c := newMatrix(rng, m, n, n+lay.pad, lay.off, true)
				pw := PackBF16(w.data, n, k)
				if !pw.BF16() || pw.Bytes() != 4*panelsLen(n, (k+1)/2) {
					t.Fatalf("BF16() = %v, Bytes() = %d", pw.BF16(), pw.Bytes())
				}
				Linear(pool, c.data, c.ld, a.data, a.ld, m, pw, bias)
				ar := a
				if DotBF16() {
					ar = newMatrix(nil, m, k, k, 0, false)
					for i := 0; i < m; i++ {
						for p := 0; p < k; p++ {
							ar.data[i*k+p] = RoundBF16(a.at(i, p))
						}
					}
				}
				ref, mag := reference(m, n, k, ar, func(p, j int) float32 { return RoundBF16(w.at(j, p)) }, bias)
				compare(t, "Linear bf16", c, ref, mag, k)
				a.checkSentinels(t, "A")
			})
		}
	})
}

// TestPackBF16Layout checks the K-pair panel layout word by word, odd k and a partial panel included.
func TestPackBF16Layout(t *testing.T) {
	const n, k = 50, 5
	w := make([]float32, n*k)
	for i := range w {
		w[i] = float32(i) + 0.5
	}
	pw := PackBF16(w, n, k)
	kp := (k + 1) / 2
	for q := 0; q < 2; q++ {
		for pp := 0; pp < kp; pp++ {
			for j := 0; j < panelWidth; j++ {
				word := pw.words[q*panelWidth*kp+pp*panelWidth+j]
				col := q*panelWidth + j
				var lo, hi float32
				if col < n {
					lo = RoundBF16(w[col*k+2*pp])
					if 2*pp+1 < k {
						hi = RoundBF16(w[col*k+2*pp+1])
					}
				}
				if bf16Lo(word) != lo || bf16Hi(word) != hi {
					t.Fatalf("panel %d pair %d column %d: (%v, %v), want (%v, %v)", q, pp, j, bf16Lo(word), bf16Hi(word), lo, hi)
				}
			}
		}
	}
}

// refAct is the float64 reference of an Activation.
func refAct(act Activation, x float64) float64 {
	switch act {
	case ActQuickGELU:
		return x / (1 + math.Exp(-1.702*x))
	case ActGELU:
		return 0.5 * x * (1 + math.Erf(x/math.Sqrt2))
	case ActGELUTanh:
		return 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x)))
	case ActReLU:
		return math.Max(x, 0)
	}
	return x
}

// TestLinearEpilogue: activation and residual, with the residual separate, the same as C (accumulated
// into), and the same as C under an activation (copied first); bf16 weights too; k = 0. m = 1, 7 and 8
// run on AVX2's few-rows tiles where it is the kernel.
func TestLinearEpilogue(t *testing.T) {
	withEmulated(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(31, 32))
		for _, sh := range []shape{{1, 1, 1}, {7, 50, 33}, {8, 100, 520}, {13, 97, 300}, {40, 200, 600}, {5, 16, 0}} {
			for _, act := range []Activation{ActNone, ActQuickGELU, ActGELU, ActGELUTanh, ActReLU} {
				for _, mode := range []string{"none", "separate", "inplace"} {
					for _, half := range []bool{false, true} {
						name := fmt.Sprintf("m%d_n%d_k%d_act%d_%s_bf16=%v", sh.m, sh.n, sh.k, act, mode, half)
						t.Run(name, func(t *testing.T) {
							checkEpilogue(t, rng, sh, act, mode, half)
						})
					}
				}
			}
		}
	})
}

func checkEpilogue(t *testing.T, rng *rand.Rand, sh shape, act Activation, mode string, half bool) {
	m, n, k := sh.m, sh.n, sh.k
	a := newMatrix(rng, m, k, k+1, 1, true)
	w := newMatrix(rng, n, k, k, 0, true)
	bias := randFloats(rng, n)
	c := newMatrix(rng, m, n, n+2, 1, true)
	res := newMatrix(rng, m, n, n+3, 0, true)
	var ep Epilogue
	ep.Act = act
	resAt := func(i, j int) float64 { return 0 }
	switch mode {
	case "separate":
		ep.Res, ep.LdRes = res.data, res.ld
		resAt = func(i, j int) float64 { return float64(res.at(i, j)) }
	case "inplace":
		old := append([]float32(nil), c.data...)
		ep.Res, ep.LdRes = c.data, c.ld
		resAt = func(i, j int) float64 { return float64(old[i*c.ld+j]) }
	}
	var pw *Weights
	wAt := func(p, j int) float32 { return w.at(j, p) }
	if half {
		pw = PackBF16(w.data, n, k)
		wAt = func(p, j int) float32 { return RoundBF16(w.at(j, p)) }
	} else {
		pw = Pack(w.data, n, k)
	}
	ar := a
	if half && DotBF16() {
		ar = newMatrix(nil, m, k, k, 0, false)
		for i := 0; i < m; i++ {
			for p := 0; p < k; p++ {
				ar.data[i*k+p] = RoundBF16(a.at(i, p))
			}
		}
	}
	ref, mag := reference(m, n, k, ar, wAt, bias)
	LinearEpilogue(NewPool(2), c.data, c.ld, a.data, a.ld, m, pw, bias, ep)
	const eps = 1.0 / (1 << 23)
	bad := 0
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			pre := ref[i*n+j]
			want := refAct(act, pre) + resAt(i, j)
			// the product's tolerance (activations have slope <= 1.13), the activation's own error,
			// and the rounding of the residual add.
			tol := 1.2*16*eps*math.Sqrt(float64(k)+1)*mag[i*n+j] + 4e-7*math.Abs(pre) + 1e-6 + 2*eps*math.Abs(want)
			if d := math.Abs(float64(c.at(i, j)) - want); !(d <= tol) {
				if bad < 5 {
					t.Errorf("C[%d,%d] = %v, want %v (pre-activation %v)", i, j, c.at(i, j), want, pre)
				}
				bad++
			}
		}
	}
	c.checkSentinels(t, "C")
}

func TestLinearEpilogueOverlapPanics(t *testing.T) {
	w := Pack(make([]float32, 12), 3, 4)
	c := make([]float32, 10)
	defer func() {
		if recover() == nil {
			t.Error("no panic for a residual overlapping C")
		}
	}()
	LinearEpilogue(nil, c, 3, make([]float32, 8), 4, 2, w, nil, Epilogue{Res: c[1:], LdRes: 3})
}
