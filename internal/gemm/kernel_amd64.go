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
	if cpu.X86.HasAVX512F {
		ks = append(ks, &kernel{name: "avx512", mr: 8, nr: 48, vw: 16, kc: 128,
			tiles: []tileFunc{sgemmAVX512x8x16, sgemmAVX512x8x32, sgemmAVX512x8x48}})
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, &kernel{name: "avx2", mr: 6, nr: 16, vw: 8, kc: 256,
			tiles: []tileFunc{sgemmAVX2x6x8, sgemmAVX2x6x16}})
	}
	return ks
}

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
func sgemmAVX512x8x48(k int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, acc int)

// sgemmAVX512x8x32 is sgemmAVX512x8x48 for an 8×32 tile (j < 32).
//
//go:noescape
func sgemmAVX512x8x32(k int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, acc int)

// sgemmAVX512x8x16 is sgemmAVX512x8x48 for an 8×16 tile (j < 16).
//
//go:noescape
func sgemmAVX512x8x16(k int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, acc int)

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
func sgemmAVX2x6x16(k int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, acc int)

// sgemmAVX2x6x8 is sgemmAVX2x6x16 for a 6×8 tile (j < 8).
//
//go:noescape
func sgemmAVX2x6x8(k int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, acc int)
