//go:build !purego

package gemm

import "golang.org/x/sys/cpu"

//go:generate go run ./internal/asmgen -out kernel_amd64.s

// archKernels returns the assembly kernels usable on this CPU, best first. x/sys/cpu reports a
// feature only if the OS also saves its registers (XCR0), so these checks cover OS support.
func archKernels() []*kernel {
	// Blocking (Zen 4: 32 KiB L1d, 1 MiB L2 per core): kc is chosen so that the kc×NR micro-panel of
	// B that the inner loop reuses across all row micro-panels stays in L1 (avx512: 128·48·4 =
	// 24 KiB, avx2: 256·16·4 = 16 KiB); mcRows() then keeps one K-block of packed A (256 KiB) in L2.
	// The avx2 numbers were tuned on the development machine (kc 128…512 all within noise); the
	// avx512 ones follow the same rule — that machine had no AVX-512 to measure them.
	var ks []*kernel
	avx2 := cpu.X86.HasAVX2 && cpu.X86.HasFMA
	if cpu.X86.HasAVX512F && avx2 {
		avx512 := func(name string) *kernel {
			return &kernel{name: name, mr: 8, nr: 48, vw: 16, kc: 128, vec: true,
				tiles:  []tileFunc{sgemmAVX512x8x16, sgemmAVX512x8x32, sgemmAVX512x8x48},
				wtiles: []tileFuncW{bgemmAVX512x8x16, bgemmAVX512x8x32, bgemmAVX512x8x48}}
		}
		f32 := avx512("avx512")
		if amx.OK {
			// AMX CPUs all have AVX-512: float32 weights and NT/NN run on its tiles.
			ks = append(ks, &kernel{name: "amx", mr: amxRows, nr: panelWidth, vw: 16, kc: 256, vec: true, amxA: true,
				dtiles: []tileFuncD{amxTile16, amxTile32, amxTile48}, f32: f32})
		}
		if cpu.X86.HasAVX512BF16 {
			k := avx512("avx512bf16")
			k.dtiles = []tileFuncD{dgemmAVX512x8x16, dgemmAVX512x8x32, dgemmAVX512x8x48}
			ks = append(ks, k)
		}
		ks = append(ks, f32)
	}
	if avx2 {
		ks = append(ks, &kernel{name: "avx2", mr: 6, nr: 16, vw: 8, kc: 256, vec: true,
			tiles:  []tileFunc{sgemmAVX2x6x8, sgemmAVX2x6x16},
			wtiles: []tileFuncW{bgemmAVX2x6x8, bgemmAVX2x6x16},
			// Few rows (8 frames' message tokens, 8 labels): 2×48 tiles read each 48-wide row of a
			// B panel whole, a sequential stream, where 6×16 tiles read a panel in three strided
			// passes, and at 7–9 rows compute a second tile that is mostly padding. With weights
			// read from memory and little reuse, both count. Measured (N = 768 and 2304, K = 768,
			// 2 threads, weights not in cache): 2×48 is 8–20% faster at 1–4 and 8 rows, 6×16 at
			// 5–6 and from 10 rows on.
			fewRows: &kernel{name: "avx2", mr: 2, nr: 48, vw: 8, kc: 256, vec: true,
				tiles: []tileFunc{sgemmAVX2x2x8, sgemmAVX2x2x16, sgemmAVX2x2x24, sgemmAVX2x2x32, sgemmAVX2x2x40, sgemmAVX2x2x48}},
			useFewRows: func(m int) bool { return m <= 4 || (m >= 7 && m <= 9) },
		})
	}
	return ks
}

// sgemmAVX2x2x48 computes a 2×48 tile (AVX2 and FMA), as sgemmAVX2x6x16 does a 6×16 one, loading
// each vector of a B row once and multiplying it into both rows.
//
//go:noescape
func sgemmAVX2x2x48(k int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, acc, n int)

// sgemmAVX2x2x40 is sgemmAVX2x2x48 for a 2×40 tile.
//
//go:noescape
func sgemmAVX2x2x40(k int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, acc, n int)

// sgemmAVX2x2x32 is sgemmAVX2x2x48 for a 2×32 tile.
//
//go:noescape
func sgemmAVX2x2x32(k int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, acc, n int)

// sgemmAVX2x2x24 is sgemmAVX2x2x48 for a 2×24 tile.
//
//go:noescape
func sgemmAVX2x2x24(k int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, acc, n int)

// sgemmAVX2x2x16 is sgemmAVX2x2x48 for a 2×16 tile.
//
//go:noescape
func sgemmAVX2x2x16(k int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, acc, n int)

// sgemmAVX2x2x8 is sgemmAVX2x2x48 for a 2×8 tile.
//
//go:noescape
func sgemmAVX2x2x8(k int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, acc, n int)

// sgemmAVX512x8x48 computes an 8×48 tile (AVX-512F):
//
//	for i := 0; i < 8; i++ {
//		for j := 0; j < 48; j++ {
//			var t float32
//			for s := 0; s < k; s++ {
//				t += a[s*8+i] * b[s*ldb+j]
//			}
//			if acc != 0 {
//				t += c[i*ldc+j]
//			}
//			if bias != nil {
//				t += bias[j]
//			}
//			c[i*ldc+j] = t
//		}
//	}
//
//go:noescape
func sgemmAVX512x8x48(k int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, acc, n int)

// sgemmAVX512x8x32 is sgemmAVX512x8x48 for an 8×32 tile (j < 32).
//
//go:noescape
func sgemmAVX512x8x32(k int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, acc, n int)

// sgemmAVX512x8x16 is sgemmAVX512x8x48 for an 8×16 tile (j < 16).
//
//go:noescape
func sgemmAVX512x8x16(k int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, acc, n int)

// sgemmAVX2x6x16 computes a 6×16 tile (AVX2 and FMA):
//
//	for i := 0; i < 6; i++ {
//		for j := 0; j < 16; j++ {
//			var t float32
//			for s := 0; s < k; s++ {
//				t += a[s*6+i] * b[s*ldb+j]
//			}
//			if acc != 0 {
//				t += c[i*ldc+j]
//			}
//			if bias != nil {
//				t += bias[j]
//			}
//			c[i*ldc+j] = t
//		}
//	}
//
//go:noescape
func sgemmAVX2x6x16(k int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, acc, n int)

// sgemmAVX2x6x8 is sgemmAVX2x6x16 for a 6×8 tile (j < 8).
//
//go:noescape
func sgemmAVX2x6x8(k int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, acc, n int)

// bgemmAVX512x8x48 is sgemmAVX512x8x48 for bf16 weights (tileFuncW): each 32-bit word of b holds a
// K pair of one column; the even row is the words shifted left by 16, the odd row the words with the
// low half cleared (AVX-512F).
//
//go:noescape
func bgemmAVX512x8x48(k int, a *float32, b *uint32, ldb int, c *float32, ldc int, bias *float32, acc, n int)

// bgemmAVX512x8x32 is bgemmAVX512x8x48 for an 8×32 tile.
//
//go:noescape
func bgemmAVX512x8x32(k int, a *float32, b *uint32, ldb int, c *float32, ldc int, bias *float32, acc, n int)

// bgemmAVX512x8x16 is bgemmAVX512x8x48 for an 8×16 tile.
//
//go:noescape
func bgemmAVX512x8x16(k int, a *float32, b *uint32, ldb int, c *float32, ldc int, bias *float32, acc, n int)

// bgemmAVX2x6x16 is sgemmAVX2x6x16 for bf16 weights (tileFuncW), widened as in bgemmAVX512x8x48.
//
//go:noescape
func bgemmAVX2x6x16(k int, a *float32, b *uint32, ldb int, c *float32, ldc int, bias *float32, acc, n int)

// bgemmAVX2x6x8 is bgemmAVX2x6x16 for a 6×8 tile.
//
//go:noescape
func bgemmAVX2x6x8(k int, a *float32, b *uint32, ldb int, c *float32, ldc int, bias *float32, acc, n int)

// dgemmAVX512x8x48 computes an 8×48 tile from bf16 pairs of A and B with VDPBF16PS (AVX512_BF16,
// tileFuncD): per K pair, 3 loads of B words, 8 broadcasts of A words, 24 VDPBF16PS.
//
//go:noescape
func dgemmAVX512x8x48(k int, a, b *uint32, ldb int, c *float32, ldc int, bias *float32, acc, n int)

// dgemmAVX512x8x32 is dgemmAVX512x8x48 for an 8×32 tile.
//
//go:noescape
func dgemmAVX512x8x32(k int, a, b *uint32, ldb int, c *float32, ldc int, bias *float32, acc, n int)

// dgemmAVX512x8x16 is dgemmAVX512x8x48 for an 8×16 tile.
//
//go:noescape
func dgemmAVX512x8x16(k int, a, b *uint32, ldb int, c *float32, ldc int, bias *float32, acc, n int)
