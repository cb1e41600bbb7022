//go:build !purego

package gemm

// haveVecASM: this build has the AVX2 element-wise kernels of vec_amd64.s (used where the active
// kernel's vec flag says the CPU has AVX2 and FMA).
const haveVecASM = true

//go:noescape
func vQuickGELU(x *float32, n, ld, rows int)

//go:noescape
func vGELU(x *float32, n, ld, rows int)

//go:noescape
func vGELUTanh(x *float32, n, ld, rows int)

//go:noescape
func vReLU(x *float32, n, ld, rows int)

//go:noescape
func vExpSum(x *float32, n int, scale, shift float32) float32

//go:noescape
func vMax(x *float32, n int) float32

//go:noescape
func vSum(x *float32, n int) float32

//go:noescape
func vSumSqDev(x *float32, n int, mean float32) float32

//go:noescape
func vDot(a, b *float32, n int) float32

//go:noescape
func vNorm(y, x, gamma, beta *float32, n int, mean, inv float32)

//go:noescape
func vAdd(y, x *float32, n int)

//go:noescape
func vMul(y, x *float32, n int)

//go:noescape
func vScale(x *float32, n int, s float32)

//go:noescape
func vTranspose8(d *float32, ld int, a *float32, lda, rows, kb int)
