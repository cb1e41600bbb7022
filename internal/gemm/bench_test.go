package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func randFloats(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}

// benchKernels runs f once per supported kernel, with that kernel forced.
func benchKernels(b *testing.B, f func(b *testing.B)) {
	for _, name := range Kernels() {
		b.Run("kernel="+name, func(b *testing.B) {
			restore, err := UseKernel(name)
			if err != nil {
				b.Fatal(err)
			}
			defer restore()
			f(b)
		})
	}
}

func reportFlops(b *testing.B, flopsPerOp float64) {
	b.ReportMetric(flopsPerOp*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkLinear: the X-CLIP layer shapes (M = 8 frames × 50 tokens, MLP up/down projections, and a
// ViT-B/16 attention projection), per kernel and thread count.
func BenchmarkLinear(b *testing.B) {
	shapes := []shape{{400, 3072, 768}, {400, 768, 3072}, {1576, 768, 768}}
	benchKernels(b, func(b *testing.B) {
		for _, threads := range []int{1, 2} {
			for _, sh := range shapes {
				for _, dtype := range []string{"fp32", "bf16"} {
					b.Run(fmt.Sprintf("threads=%d/M=%d,K=%d,N=%d/%s", threads, sh.m, sh.k, sh.n, dtype), func(b *testing.B) {
						rng := rand.New(rand.NewPCG(1, 1))
						a := randFloats(rng, sh.m*sh.k)
						var w *Weights
						if dtype == "bf16" {
							w = PackBF16(randFloats(rng, sh.n*sh.k), sh.n, sh.k)
						} else {
							w = Pack(randFloats(rng, sh.n*sh.k), sh.n, sh.k)
						}
						bias := randFloats(rng, sh.n)
						c := make([]float32, sh.m*sh.n)
						pool := NewPool(threads)
						Linear(pool, c, sh.n, a, sh.k, sh.m, w, bias)
						b.ResetTimer()
						for b.Loop() {
							Linear(pool, c, sh.n, a, sh.k, sh.m, w, bias)
						}
						reportFlops(b, 2*float64(sh.m)*float64(sh.n)*float64(sh.k))
					})
				}
			}
		}
	})
}

// BenchmarkAttention: one head of Q·Kᵀ (NT) and P·V (NN), head dim 64, for the X-CLIP sequence
// lengths; rows of Q, K, V are strided as in a fused QKV buffer (ld = 3·768).
func BenchmarkAttention(b *testing.B) {
	const d, ld = 64, 3 * 768
	benchKernels(b, func(b *testing.B) {
		for _, seq := range []int{50, 197, 257} {
			rng := rand.New(rand.NewPCG(2, 2))
			qkv := randFloats(rng, seq*ld)
			s := make([]float32, seq*seq)
			o := make([]float32, seq*d)
			b.Run(fmt.Sprintf("NT/seq=%d", seq), func(b *testing.B) {
				for b.Loop() {
					NT(seq, seq, d, qkv, ld, qkv[768:], ld, s, seq)
				}
				reportFlops(b, 2*float64(seq*seq*d))
			})
			b.Run(fmt.Sprintf("NN/seq=%d", seq), func(b *testing.B) {
				for b.Loop() {
					NN(seq, d, seq, s, seq, qkv[1536:], ld, o, d)
				}
				reportFlops(b, 2*float64(seq*seq*d))
			})
		}
	})
}

// BenchmarkTile measures one micro-kernel call on L1-resident panels (k = kc): the kernel's peak.
func BenchmarkTile(b *testing.B) {
	for _, k := range all {
		b.Run(k.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(3, 3))
			a := randFloats(rng, k.mr*k.kc)
			bp := randFloats(rng, panelWidth*k.kc)
			c := make([]float32, k.mr*k.nr)
			tile := k.tiles[len(k.tiles)-1]
			for b.Loop() {
				tile(k.kc, &a[0], &bp[0], panelWidth, &c[0], k.nr, nil, 1, 1)
			}
			reportFlops(b, 2*float64(k.mr*k.nr*k.kc))
		})
	}
}
