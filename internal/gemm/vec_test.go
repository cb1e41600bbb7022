package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// forEachVec runs f with every kernel (the assembly element-wise functions where the kernel has them,
// Go otherwise).
func forEachVec(t *testing.T, f func(t *testing.T)) {
	for _, name := range Kernels() {
		t.Run(name, func(t *testing.T) {
			restore, err := UseKernel(name)
			if err != nil {
				t.Fatal(err)
			}
			defer restore()
			f(t)
		})
	}
}

var vecLengths = []int{0, 1, 3, 7, 8, 9, 16, 31, 32, 33, 50, 51, 64, 197, 512, 768, 1000}

func randSlice(rng *rand.Rand, n int, scale float64) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(scale * rng.NormFloat64())
	}
	return s
}

func TestExpf(t *testing.T) {
	worst := 0.0
	for x := -87.0; x <= 88; x += 0.001 {
		got := float64(expf(float32(x)))
		want := math.Exp(float64(float32(x)))
		worst = math.Max(worst, math.Abs(got-want)/want)
	}
	if worst > 3e-7 {
		t.Errorf("expf: worst relative error %.3g", worst)
	}
	t.Logf("expf: worst relative error %.3g", worst)
	if v := expf(float32(math.NaN())); v == v {
		t.Error("expf(NaN) is not NaN")
	}
	if expf(-1000) > 1.2e-38 || math.IsInf(float64(expf(1000)), 0) {
		t.Error("expf does not clamp")
	}
}

func TestActivate(t *testing.T) {
	forEachVec(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(41, 42))
		for _, act := range []Activation{ActQuickGELU, ActGELU, ActGELUTanh, ActReLU} {
			for _, n := range vecLengths {
				x := randSlice(rng, n, 4)
				if n > 8 {
					x[0], x[1], x[2], x[3] = -200, 200, 0, -1e-20
				}
				orig := append([]float32(nil), x...)
				Activate(x, act)
				for i, v := range orig {
					want := refAct(act, float64(v))
					if d := math.Abs(float64(x[i]) - want); d > 4e-7*math.Abs(float64(v))+1e-30 {
						t.Fatalf("act %d, n %d: f(%v) = %v, want %v", act, n, v, x[i], want)
					}
				}
			}
		}
		nan := []float32{float32(math.NaN()), 1, 2, 3, 4, 5, 6, 7, 8}
		Activate(nan, ActQuickGELU)
		if nan[0] == nan[0] {
			t.Error("quick_gelu(NaN) is not NaN")
		}
	})
}

func TestReductions(t *testing.T) {
	forEachVec(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(43, 44))
		for _, n := range vecLengths {
			x := randSlice(rng, n, 3)
			y := randSlice(rng, n, 3)
			var sum, dot, abs, dabs float64
			mx := math.Inf(-1)
			for i := range x {
				sum += float64(x[i])
				abs += math.Abs(float64(x[i]))
				dot += float64(x[i]) * float64(y[i])
				dabs += math.Abs(float64(x[i]) * float64(y[i]))
				mx = math.Max(mx, float64(x[i]))
			}
			tol := func(mag float64) float64 { return 4e-7*math.Sqrt(float64(n)+1)*mag + 1e-30 }
			if got := Sum(x); math.Abs(float64(got)-sum) > tol(abs) {
				t.Errorf("n %d: Sum = %v, want %v", n, got, sum)
			}
			if got := Dot(x, y); math.Abs(float64(got)-dot) > tol(dabs) {
				t.Errorf("n %d: Dot = %v, want %v", n, got, dot)
			}
			if got := Max(x); float64(got) != mx {
				t.Errorf("n %d: Max = %v, want %v", n, got, mx)
			}
		}
	})
}

func TestElementwise(t *testing.T) {
	forEachVec(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(45, 46))
		for _, n := range vecLengths {
			x := randSlice(rng, n, 3)
			y := randSlice(rng, n+2, 3)
			add := append([]float32(nil), y[:n]...)
			Add(add, x)
			mul := append([]float32(nil), y[:n]...)
			Mul(mul, x)
			sc := append([]float32(nil), x...)
			Scale(sc, 0.3)
			for i := range x {
				if add[i] != y[i]+x[i] || mul[i] != y[i]*x[i] || sc[i] != x[i]*0.3 {
					t.Fatalf("n %d, element %d: add %v mul %v scale %v", n, i, add[i], mul[i], sc[i])
				}
			}
		}
	})
}

func TestLayerNorm(t *testing.T) {
	forEachVec(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(47, 48))
		for _, n := range vecLengths[1:] {
			x := randSlice(rng, n, 2)
			for i := range x {
				x[i] += 30 // a large mean, as residual streams have
			}
			g := randSlice(rng, n, 1)
			b := randSlice(rng, n, 1)
			y := make([]float32, n)
			LayerNorm(y, x, g, b, 1e-5)
			var mean, v float64
			for _, e := range x {
				mean += float64(e)
			}
			mean /= float64(n)
			for _, e := range x {
				v += (float64(e) - mean) * (float64(e) - mean)
			}
			v /= float64(n)
			inv := 1 / math.Sqrt(v+1e-5)
			for i := range x {
				want := (float64(x[i])-mean)*inv*float64(g[i]) + float64(b[i])
				if d := math.Abs(float64(y[i]) - want); d > 2e-5*(math.Abs(float64(g[i]))+1) {
					t.Fatalf("n %d: y[%d] = %v, want %v", n, i, y[i], want)
				}
			}
			LayerNorm(x, x, g, b, 1e-5) // in place
			for i := range x {
				if x[i] != y[i] {
					t.Fatalf("n %d: in-place LayerNorm differs at %d", n, i)
				}
			}
		}
	})
}

func TestSoftmax(t *testing.T) {
	forEachVec(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(49, 50))
		for _, n := range vecLengths[1:] {
			for _, masked := range []bool{false, true} {
				t.Run(fmt.Sprintf("n%d_masked%v", n, masked), func(t *testing.T) {
					x := randSlice(rng, n, 10)
					if masked {
						for i := range x {
							if i%3 == 1 {
								x[i] = float32(math.Inf(-1))
							}
						}
					}
					orig := append([]float32(nil), x...)
					const scale = 0.125
					Softmax(x, scale)
					mx := math.Inf(-1)
					for _, v := range orig {
						mx = math.Max(mx, scale*float64(v))
					}
					var sum float64
					for _, v := range orig {
						sum += math.Exp(scale*float64(v) - mx)
					}
					for i, v := range orig {
						want := math.Exp(scale*float64(v)-mx) / sum
						if math.IsInf(float64(v), -1) {
							if x[i] != 0 {
								t.Fatalf("masked element %d = %v", i, x[i])
							}
							continue
						}
						if d := math.Abs(float64(x[i]) - want); d > 1e-6*want+1e-9 {
							t.Fatalf("x[%d] = %v, want %v", i, x[i], want)
						}
					}
				})
			}
		}
		all := []float32{float32(math.Inf(-1)), float32(math.Inf(-1))}
		Softmax(all, 1)
		if all[0] != 0 || all[1] != 0 {
			t.Errorf("all masked: %v", all)
		}
	})
}

// TestInterleave checks the packing transposes (AVX2 and Go) against their definition, with lengths
// that leave tails and strides that are not multiples of 8.
func TestInterleave(t *testing.T) {
	forEachVec(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(51, 52))
		for _, kb := range []int{1, 7, 8, 9, 16, 23, 64, 256} {
			for _, rows := range []int{6, 8} {
				for _, ld := range []int{rows, 48} {
					lda := kb + 5
					a := randSlice(rng, (rows-1)*lda+kb, 1)
					d := make([]float32, (kb-1)*ld+rows+3)
					for i := range d {
						d[i] = sentinel
					}
					interleave(d, ld, a, lda, rows, kb)
					for i := range d {
						s, r := i/ld, i%ld
						want := sentinel
						if s < kb && r < rows {
							want = a[r*lda+s]
						}
						if d[i] != want {
							t.Fatalf("kb %d rows %d ld %d: d[%d] = %v, want %v", kb, rows, ld, i, d[i], want)
						}
					}
				}
			}
		}
	})
}
