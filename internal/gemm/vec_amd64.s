//go:build !purego

#include "textflag.h"

// AVX2+FMA element-wise kernels of the CPU backend (see vec.go); hand-written. Every function takes n, a
// multiple of 8, floats; vec.go does the rest in Go.

DATA expHi<>+0(SB)/8, $0x42b0000042b00000
DATA expHi<>+8(SB)/8, $0x42b0000042b00000
DATA expHi<>+16(SB)/8, $0x42b0000042b00000
DATA expHi<>+24(SB)/8, $0x42b0000042b00000
GLOBL expHi<>(SB), RODATA|NOPTR, $32

DATA expLo<>+0(SB)/8, $0xc2aeac4fc2aeac4f
DATA expLo<>+8(SB)/8, $0xc2aeac4fc2aeac4f
DATA expLo<>+16(SB)/8, $0xc2aeac4fc2aeac4f
DATA expLo<>+24(SB)/8, $0xc2aeac4fc2aeac4f
GLOBL expLo<>(SB), RODATA|NOPTR, $32

DATA log2e<>+0(SB)/8, $0x3fb8aa3b3fb8aa3b
DATA log2e<>+8(SB)/8, $0x3fb8aa3b3fb8aa3b
DATA log2e<>+16(SB)/8, $0x3fb8aa3b3fb8aa3b
DATA log2e<>+24(SB)/8, $0x3fb8aa3b3fb8aa3b
GLOBL log2e<>(SB), RODATA|NOPTR, $32

DATA expC1<>+0(SB)/8, $0x3f3180003f318000
DATA expC1<>+8(SB)/8, $0x3f3180003f318000
DATA expC1<>+16(SB)/8, $0x3f3180003f318000
DATA expC1<>+24(SB)/8, $0x3f3180003f318000
GLOBL expC1<>(SB), RODATA|NOPTR, $32

DATA expC2<>+0(SB)/8, $0xb95e8083b95e8083
DATA expC2<>+8(SB)/8, $0xb95e8083b95e8083
DATA expC2<>+16(SB)/8, $0xb95e8083b95e8083
DATA expC2<>+24(SB)/8, $0xb95e8083b95e8083
GLOBL expC2<>(SB), RODATA|NOPTR, $32

DATA expP0<>+0(SB)/8, $0x3950696739506967
DATA expP0<>+8(SB)/8, $0x3950696739506967
DATA expP0<>+16(SB)/8, $0x3950696739506967
DATA expP0<>+24(SB)/8, $0x3950696739506967
GLOBL expP0<>(SB), RODATA|NOPTR, $32

DATA expP1<>+0(SB)/8, $0x3ab743ce3ab743ce
DATA expP1<>+8(SB)/8, $0x3ab743ce3ab743ce
DATA expP1<>+16(SB)/8, $0x3ab743ce3ab743ce
DATA expP1<>+24(SB)/8, $0x3ab743ce3ab743ce
GLOBL expP1<>(SB), RODATA|NOPTR, $32

DATA expP2<>+0(SB)/8, $0x3c0889083c088908
DATA expP2<>+8(SB)/8, $0x3c0889083c088908
DATA expP2<>+16(SB)/8, $0x3c0889083c088908
DATA expP2<>+24(SB)/8, $0x3c0889083c088908
GLOBL expP2<>(SB), RODATA|NOPTR, $32

DATA expP3<>+0(SB)/8, $0x3d2aa9c13d2aa9c1
DATA expP3<>+8(SB)/8, $0x3d2aa9c13d2aa9c1
DATA expP3<>+16(SB)/8, $0x3d2aa9c13d2aa9c1
DATA expP3<>+24(SB)/8, $0x3d2aa9c13d2aa9c1
GLOBL expP3<>(SB), RODATA|NOPTR, $32

DATA expP4<>+0(SB)/8, $0x3e2aaaaa3e2aaaaa
DATA expP4<>+8(SB)/8, $0x3e2aaaaa3e2aaaaa
DATA expP4<>+16(SB)/8, $0x3e2aaaaa3e2aaaaa
DATA expP4<>+24(SB)/8, $0x3e2aaaaa3e2aaaaa
GLOBL expP4<>(SB), RODATA|NOPTR, $32

DATA expP5<>+0(SB)/8, $0x3f0000003f000000
DATA expP5<>+8(SB)/8, $0x3f0000003f000000
DATA expP5<>+16(SB)/8, $0x3f0000003f000000
DATA expP5<>+24(SB)/8, $0x3f0000003f000000
GLOBL expP5<>(SB), RODATA|NOPTR, $32

DATA one<>+0(SB)/8, $0x3f8000003f800000
DATA one<>+8(SB)/8, $0x3f8000003f800000
DATA one<>+16(SB)/8, $0x3f8000003f800000
DATA one<>+24(SB)/8, $0x3f8000003f800000
GLOBL one<>(SB), RODATA|NOPTR, $32

DATA half<>+0(SB)/8, $0x3f0000003f000000
DATA half<>+8(SB)/8, $0x3f0000003f000000
DATA half<>+16(SB)/8, $0x3f0000003f000000
DATA half<>+24(SB)/8, $0x3f0000003f000000
GLOBL half<>(SB), RODATA|NOPTR, $32

DATA negQG<>+0(SB)/8, $0xbfd9db23bfd9db23
DATA negQG<>+8(SB)/8, $0xbfd9db23bfd9db23
DATA negQG<>+16(SB)/8, $0xbfd9db23bfd9db23
DATA negQG<>+24(SB)/8, $0xbfd9db23bfd9db23
GLOBL negQG<>(SB), RODATA|NOPTR, $32

DATA negTanhK<>+0(SB)/8, $0xbfcc422abfcc422a
DATA negTanhK<>+8(SB)/8, $0xbfcc422abfcc422a
DATA negTanhK<>+16(SB)/8, $0xbfcc422abfcc422a
DATA negTanhK<>+24(SB)/8, $0xbfcc422abfcc422a
GLOBL negTanhK<>(SB), RODATA|NOPTR, $32

DATA tanhC<>+0(SB)/8, $0x3d3727133d372713
DATA tanhC<>+8(SB)/8, $0x3d3727133d372713
DATA tanhC<>+16(SB)/8, $0x3d3727133d372713
DATA tanhC<>+24(SB)/8, $0x3d3727133d372713
GLOBL tanhC<>(SB), RODATA|NOPTR, $32

DATA invSqrt2<>+0(SB)/8, $0x3f3504f33f3504f3
DATA invSqrt2<>+8(SB)/8, $0x3f3504f33f3504f3
DATA invSqrt2<>+16(SB)/8, $0x3f3504f33f3504f3
DATA invSqrt2<>+24(SB)/8, $0x3f3504f33f3504f3
GLOBL invSqrt2<>(SB), RODATA|NOPTR, $32

DATA erfP<>+0(SB)/8, $0x3ea7ba053ea7ba05
DATA erfP<>+8(SB)/8, $0x3ea7ba053ea7ba05
DATA erfP<>+16(SB)/8, $0x3ea7ba053ea7ba05
DATA erfP<>+24(SB)/8, $0x3ea7ba053ea7ba05
GLOBL erfP<>(SB), RODATA|NOPTR, $32

DATA erfA1<>+0(SB)/8, $0x3e8279063e827906
DATA erfA1<>+8(SB)/8, $0x3e8279063e827906
DATA erfA1<>+16(SB)/8, $0x3e8279063e827906
DATA erfA1<>+24(SB)/8, $0x3e8279063e827906
GLOBL erfA1<>(SB), RODATA|NOPTR, $32

DATA erfA2<>+0(SB)/8, $0xbe91a98ebe91a98e
DATA erfA2<>+8(SB)/8, $0xbe91a98ebe91a98e
DATA erfA2<>+16(SB)/8, $0xbe91a98ebe91a98e
DATA erfA2<>+24(SB)/8, $0xbe91a98ebe91a98e
GLOBL erfA2<>(SB), RODATA|NOPTR, $32

DATA erfA3<>+0(SB)/8, $0x3fb5f0e33fb5f0e3
DATA erfA3<>+8(SB)/8, $0x3fb5f0e33fb5f0e3
DATA erfA3<>+16(SB)/8, $0x3fb5f0e33fb5f0e3
DATA erfA3<>+24(SB)/8, $0x3fb5f0e33fb5f0e3
GLOBL erfA3<>(SB), RODATA|NOPTR, $32

DATA erfA4<>+0(SB)/8, $0xbfba00e3bfba00e3
DATA erfA4<>+8(SB)/8, $0xbfba00e3bfba00e3
DATA erfA4<>+16(SB)/8, $0xbfba00e3bfba00e3
DATA erfA4<>+24(SB)/8, $0xbfba00e3bfba00e3
GLOBL erfA4<>(SB), RODATA|NOPTR, $32

DATA erfA5<>+0(SB)/8, $0x3f87dc223f87dc22
DATA erfA5<>+8(SB)/8, $0x3f87dc223f87dc22
DATA erfA5<>+16(SB)/8, $0x3f87dc223f87dc22
DATA erfA5<>+24(SB)/8, $0x3f87dc223f87dc22
GLOBL erfA5<>(SB), RODATA|NOPTR, $32

DATA absMask<>+0(SB)/8, $0x7fffffff7fffffff
DATA absMask<>+8(SB)/8, $0x7fffffff7fffffff
DATA absMask<>+16(SB)/8, $0x7fffffff7fffffff
DATA absMask<>+24(SB)/8, $0x7fffffff7fffffff
GLOBL absMask<>(SB), RODATA|NOPTR, $32

// EXPF sets X = exp(X) for 8 floats (Cephes expf: X clamped to [expLo, expHi], n = round(X·log2e),
// r = X - n·ln2 in two parts, exp(r) by a degree-7 polynomial, times 2^n); T0–T2 are clobbered.
// NaN stays NaN (VMINPS/VMAXPS return their second source when either is NaN).
#define EXPF(X, T0, T1, T2) \
	VMOVUPS expHi<>(SB), T0; \
	VMINPS X, T0, X; \
	VMOVUPS expLo<>(SB), T0; \
	VMAXPS X, T0, X; \
	VMULPS log2e<>(SB), X, T0; \
	VROUNDPS $0, T0, T0; \
	VFNMADD231PS expC1<>(SB), T0, X; \
	VFNMADD231PS expC2<>(SB), T0, X; \
	VMOVUPS expP0<>(SB), T1; \
	VFMADD213PS expP1<>(SB), X, T1; \
	VFMADD213PS expP2<>(SB), X, T1; \
	VFMADD213PS expP3<>(SB), X, T1; \
	VFMADD213PS expP4<>(SB), X, T1; \
	VFMADD213PS expP5<>(SB), X, T1; \
	VMULPS X, X, T2; \
	VFMADD213PS X, T2, T1; \
	VADDPS one<>(SB), T1, T1; \
	VCVTPS2DQ T0, T0; \
	VPSLLD $23, T0, T0; \
	VPADDD one<>(SB), T0, T0; \
	VMULPS T0, T1, X

// HSUM sets the low float of X0 (the XMM half of Y0) to the sum of Y0's 8 floats; X1 is clobbered.
#define HSUM \
	VEXTRACTF128 $1, Y0, X1; \
	VADDPS X1, X0, X0; \
	VPERMILPS $0x4e, X0, X1; \
	VADDPS X1, X0, X0; \
	VPERMILPS $0xb1, X0, X1; \
	VADDPS X1, X0, X0

// The activations work on rows rows of n floats (n a multiple of 8), ld floats apart:
//
// func vQuickGELU(x *float32, n, ld, rows int): x = x / (1 + exp(-1.702·x)).
TEXT ·vQuickGELU(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), R8
	MOVQ n+8(FP), R9
	SHRQ $3, R9
	JZ qg_done
	MOVQ ld+16(FP), R10
	SHLQ $2, R10
	MOVQ rows+24(FP), R11
	TESTQ R11, R11
	JZ qg_done
qg_row:
	MOVQ R8, DI
	MOVQ R9, CX
qg_loop:
	VMOVUPS (DI), Y3
	VMULPS negQG<>(SB), Y3, Y0
	EXPF(Y0, Y1, Y2, Y4)
	VADDPS one<>(SB), Y0, Y0
	VDIVPS Y0, Y3, Y3
	VMOVUPS Y3, (DI)
	ADDQ $32, DI
	DECQ CX
	JNZ qg_loop
	ADDQ R10, R8
	DECQ R11
	JNZ qg_row
qg_done:
	VZEROUPPER
	RET

// func vGELUTanh(x *float32, n, ld, rows int): x·σ(2·√(2/π)·(x + 0.044715·x³)), which is
// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
TEXT ·vGELUTanh(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), R8
	MOVQ n+8(FP), R9
	SHRQ $3, R9
	JZ gt_done
	MOVQ ld+16(FP), R10
	SHLQ $2, R10
	MOVQ rows+24(FP), R11
	TESTQ R11, R11
	JZ gt_done
gt_row:
	MOVQ R8, DI
	MOVQ R9, CX
gt_loop:
	VMOVUPS (DI), Y3
	VMULPS Y3, Y3, Y5
	VMULPS tanhC<>(SB), Y5, Y5
	VFMADD213PS Y3, Y3, Y5
	VMULPS negTanhK<>(SB), Y5, Y0
	EXPF(Y0, Y1, Y2, Y4)
	VADDPS one<>(SB), Y0, Y0
	VDIVPS Y0, Y3, Y3
	VMOVUPS Y3, (DI)
	ADDQ $32, DI
	DECQ CX
	JNZ gt_loop
	ADDQ R10, R8
	DECQ R11
	JNZ gt_row
gt_done:
	VZEROUPPER
	RET

// func vGELU(x *float32, n, ld, rows int): 0.5·x·(1 + erf(x/√2)), erf by Abramowitz–Stegun 7.1.26
// (|error| <= 1.5e-7): erf(z) = 1 - t·(a1 + t·(a2 + t·(a3 + t·(a4 + t·a5))))·exp(-z²), t = 1/(1 + p·z),
// for z = |x|/√2, with x's sign.
TEXT ·vGELU(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), R8
	MOVQ n+8(FP), R9
	SHRQ $3, R9
	JZ ge_done
	MOVQ ld+16(FP), R10
	SHLQ $2, R10
	MOVQ rows+24(FP), R11
	TESTQ R11, R11
	JZ ge_done
ge_row:
	MOVQ R8, DI
	MOVQ R9, CX
ge_loop:
	VMOVUPS (DI), Y3
	VANDPS absMask<>(SB), Y3, Y5
	VMULPS invSqrt2<>(SB), Y5, Y5
	VMOVUPS erfP<>(SB), Y6
	VFMADD213PS one<>(SB), Y5, Y6
	VMOVUPS one<>(SB), Y7
	VDIVPS Y6, Y7, Y6
	VMOVUPS erfA5<>(SB), Y7
	VFMADD213PS erfA4<>(SB), Y6, Y7
	VFMADD213PS erfA3<>(SB), Y6, Y7
	VFMADD213PS erfA2<>(SB), Y6, Y7
	VFMADD213PS erfA1<>(SB), Y6, Y7
	VMULPS Y6, Y7, Y7
	VXORPS Y0, Y0, Y0
	VFNMADD231PS Y5, Y5, Y0
	EXPF(Y0, Y1, Y2, Y4)
	VFNMADD213PS one<>(SB), Y0, Y7
	VMOVUPS absMask<>(SB), Y1
	VANDNPS Y3, Y1, Y1
	VORPS Y1, Y7, Y7
	VADDPS one<>(SB), Y7, Y7
	VMULPS Y3, Y7, Y7
	VMULPS half<>(SB), Y7, Y7
	VMOVUPS Y7, (DI)
	ADDQ $32, DI
	DECQ CX
	JNZ ge_loop
	ADDQ R10, R8
	DECQ R11
	JNZ ge_row
ge_done:
	VZEROUPPER
	RET

// func vReLU(x *float32, n, ld, rows int): max(x, 0).
TEXT ·vReLU(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), R8
	MOVQ n+8(FP), R9
	SHRQ $3, R9
	JZ re_done
	MOVQ ld+16(FP), R10
	SHLQ $2, R10
	MOVQ rows+24(FP), R11
	TESTQ R11, R11
	JZ re_done
	VXORPS Y1, Y1, Y1
re_row:
	MOVQ R8, DI
	MOVQ R9, CX
re_loop:
	VMAXPS (DI), Y1, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, DI
	DECQ CX
	JNZ re_loop
	ADDQ R10, R8
	DECQ R11
	JNZ re_row
re_done:
	VZEROUPPER
	RET

// func vExpSum(x *float32, n int, scale, shift float32) float32: x[i] = exp(scale·x[i] - shift), 0 where
// that is below expLo (-Inf: masked scores), and returns the sum; n a multiple of 8, > 0.
TEXT ·vExpSum(SB), NOSPLIT, $0-28
	MOVQ x+0(FP), DI
	MOVQ n+8(FP), CX
	SHRQ $3, CX
	VBROADCASTSS scale+16(FP), Y8
	VBROADCASTSS shift+20(FP), Y9
	VXORPS Y10, Y10, Y10
es_loop:
	VMOVUPS (DI), Y0
	VFMSUB213PS Y9, Y8, Y0
	VMOVAPS Y0, Y5
	EXPF(Y0, Y1, Y2, Y4)
	VCMPPS $13, expLo<>(SB), Y5, Y6
	VANDPS Y6, Y0, Y0
	VMOVUPS Y0, (DI)
	VADDPS Y0, Y10, Y10
	ADDQ $32, DI
	DECQ CX
	JNZ es_loop
	VMOVAPS Y10, Y0
	HSUM
	MOVSS X0, ret+24(FP)
	VZEROUPPER
	RET

// func vMax(x *float32, n int) float32; n a multiple of 8, > 0.
TEXT ·vMax(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), DI
	MOVQ n+8(FP), CX
	SHRQ $3, CX
	VMOVUPS (DI), Y0
	ADDQ $32, DI
	DECQ CX
	JZ mx_reduce
mx_loop:
	VMAXPS (DI), Y0, Y0
	ADDQ $32, DI
	DECQ CX
	JNZ mx_loop
mx_reduce:
	VEXTRACTF128 $1, Y0, X1
	VMAXPS X1, X0, X0
	VPERMILPS $0x4e, X0, X1
	VMAXPS X1, X0, X0
	VPERMILPS $0xb1, X0, X1
	VMAXPS X1, X0, X0
	MOVSS X0, ret+16(FP)
	VZEROUPPER
	RET

// SUM4 adds the four accumulators Y0–Y3 into Y0.
#define SUM4 \
	VADDPS Y1, Y0, Y0; \
	VADDPS Y3, Y2, Y2; \
	VADDPS Y2, Y0, Y0

// func vSum(x *float32, n int) float32; n a multiple of 8.
TEXT ·vSum(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), DI
	MOVQ n+8(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	MOVQ CX, BX
	SHRQ $5, BX
	ANDQ $31, CX
	SHRQ $3, CX
	TESTQ BX, BX
	JZ su_tail
su_loop32:
	VADDPS (DI), Y0, Y0
	VADDPS 32(DI), Y1, Y1
	VADDPS 64(DI), Y2, Y2
	VADDPS 96(DI), Y3, Y3
	ADDQ $128, DI
	DECQ BX
	JNZ su_loop32
su_tail:
	TESTQ CX, CX
	JZ su_done
su_loop8:
	VADDPS (DI), Y0, Y0
	ADDQ $32, DI
	DECQ CX
	JNZ su_loop8
su_done:
	SUM4
	HSUM
	MOVSS X0, ret+16(FP)
	VZEROUPPER
	RET

// func vSumSqDev(x *float32, n int, mean float32) float32: Σ (x[i] - mean)²; n a multiple of 8.
TEXT ·vSumSqDev(SB), NOSPLIT, $0-28
	MOVQ x+0(FP), DI
	MOVQ n+8(FP), CX
	VBROADCASTSS mean+16(FP), Y8
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	MOVQ CX, BX
	SHRQ $5, BX
	ANDQ $31, CX
	SHRQ $3, CX
	TESTQ BX, BX
	JZ sq_tail
sq_loop32:
	VMOVUPS (DI), Y4
	VMOVUPS 32(DI), Y5
	VMOVUPS 64(DI), Y6
	VMOVUPS 96(DI), Y7
	VSUBPS Y8, Y4, Y4
	VSUBPS Y8, Y5, Y5
	VSUBPS Y8, Y6, Y6
	VSUBPS Y8, Y7, Y7
	VFMADD231PS Y4, Y4, Y0
	VFMADD231PS Y5, Y5, Y1
	VFMADD231PS Y6, Y6, Y2
	VFMADD231PS Y7, Y7, Y3
	ADDQ $128, DI
	DECQ BX
	JNZ sq_loop32
sq_tail:
	TESTQ CX, CX
	JZ sq_done
sq_loop8:
	VMOVUPS (DI), Y4
	VSUBPS Y8, Y4, Y4
	VFMADD231PS Y4, Y4, Y0
	ADDQ $32, DI
	DECQ CX
	JNZ sq_loop8
sq_done:
	SUM4
	HSUM
	MOVSS X0, ret+24(FP)
	VZEROUPPER
	RET

// func vDot(a, b *float32, n int) float32; n a multiple of 8.
TEXT ·vDot(SB), NOSPLIT, $0-28
	MOVQ a+0(FP), DI
	MOVQ b+8(FP), SI
	MOVQ n+16(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	MOVQ CX, BX
	SHRQ $5, BX
	ANDQ $31, CX
	SHRQ $3, CX
	TESTQ BX, BX
	JZ dt_tail
dt_loop32:
	VMOVUPS (DI), Y4
	VMOVUPS 32(DI), Y5
	VMOVUPS 64(DI), Y6
	VMOVUPS 96(DI), Y7
	VFMADD231PS (SI), Y4, Y0
	VFMADD231PS 32(SI), Y5, Y1
	VFMADD231PS 64(SI), Y6, Y2
	VFMADD231PS 96(SI), Y7, Y3
	ADDQ $128, DI
	ADDQ $128, SI
	DECQ BX
	JNZ dt_loop32
dt_tail:
	TESTQ CX, CX
	JZ dt_done
dt_loop8:
	VMOVUPS (DI), Y4
	VFMADD231PS (SI), Y4, Y0
	ADDQ $32, DI
	ADDQ $32, SI
	DECQ CX
	JNZ dt_loop8
dt_done:
	SUM4
	HSUM
	MOVSS X0, ret+24(FP)
	VZEROUPPER
	RET

// func vNorm(y, x, gamma, beta *float32, n int, mean, inv float32): y = (x - mean)·inv·g + b; n a multiple of 8.
TEXT ·vNorm(SB), NOSPLIT, $0-48
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ gamma+16(FP), R8
	MOVQ beta+24(FP), R9
	MOVQ n+32(FP), CX
	SHRQ $3, CX
	JZ no_done
	VBROADCASTSS mean+40(FP), Y8
	VBROADCASTSS inv+44(FP), Y9
no_loop:
	VMOVUPS (SI), Y0
	VSUBPS Y8, Y0, Y0
	VMULPS Y9, Y0, Y0
	VMULPS (R8), Y0, Y0
	VADDPS (R9), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, R8
	ADDQ $32, R9
	DECQ CX
	JNZ no_loop
no_done:
	VZEROUPPER
	RET

// func vAdd(y, x *float32, n int): y += x; n a multiple of 8.
TEXT ·vAdd(SB), NOSPLIT, $0-24
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ ad_done
ad_loop:
	VMOVUPS (DI), Y0
	VADDPS (SI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, DI
	ADDQ $32, SI
	DECQ CX
	JNZ ad_loop
ad_done:
	VZEROUPPER
	RET

// func vMul(y, x *float32, n int): y *= x; n a multiple of 8.
TEXT ·vMul(SB), NOSPLIT, $0-24
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ mu_done
mu_loop:
	VMOVUPS (DI), Y0
	VMULPS (SI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, DI
	ADDQ $32, SI
	DECQ CX
	JNZ mu_loop
mu_done:
	VZEROUPPER
	RET

// func vScale(x *float32, n int, s float32): x *= s; n a multiple of 8.
TEXT ·vScale(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), DI
	MOVQ n+8(FP), CX
	SHRQ $3, CX
	JZ sc_done
	VBROADCASTSS s+16(FP), Y1
sc_loop:
	VMULPS (DI), Y1, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, DI
	DECQ CX
	JNZ sc_loop
sc_done:
	VZEROUPPER
	RET

// func vTranspose8(d *float32, ld int, a *float32, lda, rows, kb int): d[s*ld + r] = a[r*lda + s] for
// r < rows (6 or 8) and s < kb (a multiple of 8): the A-panel and B-panel interleave, 8 steps at a
// time by an 8×8 transpose in registers.
TEXT ·vTranspose8(SB), NOSPLIT, $0-48
	MOVQ d+0(FP), DI
	MOVQ ld+8(FP), R8
	SHLQ $2, R8
	MOVQ a+16(FP), SI
	MOVQ lda+24(FP), R9
	SHLQ $2, R9
	MOVQ rows+32(FP), AX
	MOVQ kb+40(FP), CX
	SHRQ $3, CX
	JZ tr_done
	LEAQ (R9)(R9*2), R10 // 3·lda
	LEAQ (SI)(R10*1), R11 // row 3
	CMPQ AX, $8
	JEQ tr_loop8

tr_loop6:
	VMOVUPS (SI), Y0
	VMOVUPS (SI)(R9*1), Y1
	VMOVUPS (SI)(R9*2), Y2
	VMOVUPS (R11), Y3
	VMOVUPS (R11)(R9*1), Y4
	VMOVUPS (R11)(R9*2), Y5
	VUNPCKLPS Y1, Y0, Y8  // a0 b0 a1 b1 | a4 b4 a5 b5
	VUNPCKHPS Y1, Y0, Y9  // a2 b2 a3 b3 | a6 b6 a7 b7
	VUNPCKLPS Y3, Y2, Y10 // c0 d0 c1 d1 | c4 d4 c5 d5
	VUNPCKHPS Y3, Y2, Y11 // c2 d2 c3 d3 | c6 d6 c7 d7
	VUNPCKLPS Y5, Y4, Y12 // e0 f0 e1 f1 | e4 f4 e5 f5
	VUNPCKHPS Y5, Y4, Y13 // e2 f2 e3 f3 | e6 f6 e7 f7
	VSHUFPS $0x44, Y10, Y8, Y0 // a0 b0 c0 d0 | a4 b4 c4 d4
	VSHUFPS $0xee, Y10, Y8, Y1 // a1 b1 c1 d1 | a5 ...
	VSHUFPS $0x44, Y11, Y9, Y2 // a2 ...      | a6 ...
	VSHUFPS $0xee, Y11, Y9, Y3 // a3 ...      | a7 ...
	MOVQ DI, BX
	VMOVUPS X0, (BX)
	VMOVLPS X12, 16(BX)
	ADDQ R8, BX
	VMOVUPS X1, (BX)
	VMOVHPS X12, 16(BX)
	ADDQ R8, BX
	VMOVUPS X2, (BX)
	VMOVLPS X13, 16(BX)
	ADDQ R8, BX
	VMOVUPS X3, (BX)
	VMOVHPS X13, 16(BX)
	ADDQ R8, BX
	VEXTRACTF128 $1, Y0, X0
	VEXTRACTF128 $1, Y1, X1
	VEXTRACTF128 $1, Y2, X2
	VEXTRACTF128 $1, Y3, X3
	VEXTRACTF128 $1, Y12, X12
	VEXTRACTF128 $1, Y13, X13
	VMOVUPS X0, (BX)
	VMOVLPS X12, 16(BX)
	ADDQ R8, BX
	VMOVUPS X1, (BX)
	VMOVHPS X12, 16(BX)
	ADDQ R8, BX
	VMOVUPS X2, (BX)
	VMOVLPS X13, 16(BX)
	ADDQ R8, BX
	VMOVUPS X3, (BX)
	VMOVHPS X13, 16(BX)
	ADDQ R8, BX
	MOVQ BX, DI
	ADDQ $32, SI
	ADDQ $32, R11
	DECQ CX
	JNZ tr_loop6
	JMP tr_done

tr_loop8:
	LEAQ (R11)(R9*2), R12 // row 5
	LEAQ (R12)(R9*2), R13 // row 7
	VMOVUPS (SI), Y0
	VMOVUPS (SI)(R9*1), Y1
	VMOVUPS (SI)(R9*2), Y2
	VMOVUPS (R11), Y3
	VMOVUPS (R11)(R9*1), Y4
	VMOVUPS (R12), Y5
	VMOVUPS (R12)(R9*1), Y6
	VMOVUPS (R13), Y7
	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15
	VSHUFPS $0x44, Y10, Y8, Y0  // a0 b0 c0 d0 | a4 ...
	VSHUFPS $0xee, Y10, Y8, Y1  // a1 ...
	VSHUFPS $0x44, Y11, Y9, Y2  // a2 ...
	VSHUFPS $0xee, Y11, Y9, Y3  // a3 ...
	VSHUFPS $0x44, Y14, Y12, Y4 // e0 f0 g0 h0 | e4 ...
	VSHUFPS $0xee, Y14, Y12, Y5 // e1 ...
	VSHUFPS $0x44, Y15, Y13, Y6 // e2 ...
	VSHUFPS $0xee, Y15, Y13, Y7 // e3 ...
	VPERM2F128 $0x20, Y4, Y0, Y8  // step 0
	VPERM2F128 $0x20, Y5, Y1, Y9  // step 1
	VPERM2F128 $0x20, Y6, Y2, Y10 // step 2
	VPERM2F128 $0x20, Y7, Y3, Y11 // step 3
	VPERM2F128 $0x31, Y4, Y0, Y12 // step 4
	VPERM2F128 $0x31, Y5, Y1, Y13 // step 5
	VPERM2F128 $0x31, Y6, Y2, Y14 // step 6
	VPERM2F128 $0x31, Y7, Y3, Y15 // step 7
	MOVQ DI, BX
	VMOVUPS Y8, (BX)
	ADDQ R8, BX
	VMOVUPS Y9, (BX)
	ADDQ R8, BX
	VMOVUPS Y10, (BX)
	ADDQ R8, BX
	VMOVUPS Y11, (BX)
	ADDQ R8, BX
	VMOVUPS Y12, (BX)
	ADDQ R8, BX
	VMOVUPS Y13, (BX)
	ADDQ R8, BX
	VMOVUPS Y14, (BX)
	ADDQ R8, BX
	VMOVUPS Y15, (BX)
	ADDQ R8, BX
	MOVQ BX, DI
	ADDQ $32, SI
	ADDQ $32, R11
	DECQ CX
	JNZ tr_loop8

tr_done:
	VZEROUPPER
	RET
