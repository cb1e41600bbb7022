//go:build !amd64 || purego

package gemm

// haveVecASM: no assembly element-wise kernels in this build; the stubs below are never called.
const haveVecASM = false

func vQuickGELU(x *float32, n, ld, rows int)                  { panic("unreachable") }
func vGELU(x *float32, n, ld, rows int)                       { panic("unreachable") }
func vGELUTanh(x *float32, n, ld, rows int)                   { panic("unreachable") }
func vReLU(x *float32, n, ld, rows int)                       { panic("unreachable") }
func vExpSum(x *float32, n int, scale, shift float32) float32 { panic("unreachable") }
func vMax(x *float32, n int) float32                          { panic("unreachable") }
func vSum(x *float32, n int) float32                          { panic("unreachable") }
func vSumSqDev(x *float32, n int, mean float32) float32       { panic("unreachable") }
func vDot(a, b *float32, n int) float32                       { panic("unreachable") }
func vNorm(y, x, g, b *float32, n int, mean, inv float32)     { panic("unreachable") }
func vAdd(y, x *float32, n int)                               { panic("unreachable") }
func vMul(y, x *float32, n int)                               { panic("unreachable") }
func vScale(x *float32, n int, s float32)                     { panic("unreachable") }

func vTranspose8(d *float32, ld int, a *float32, lda, rows, kb int) { panic("unreachable") }
