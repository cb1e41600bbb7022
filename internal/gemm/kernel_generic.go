package gemm

import (
	"runtime"
	"unsafe"
)

// genericKernel is the portable pure-Go kernel. Where the compiler fuses x*y+z into FMA and has 32
// floating-point registers (arm64, ppc64, s390x, riscv64, …) a 4×4 register tile is best. On amd64
// and 386 the Go compiler emits two-operand SSE (MULSS, ADDSS: every product needs a temporary) with
// at most 15 usable registers, so the 4×4 tile spills; a 1×4 tile (4 sums, the A value, 4
// temporaries) stays in registers and measured about twice as fast there.
var genericKernel = func() *kernel {
	if runtime.GOARCH == "amd64" || runtime.GOARCH == "386" {
		return &kernel{name: "generic", mr: 1, nr: 4, vw: 4, kc: 256,
			tiles: []tileFunc{tileGeneric1x4}, wtiles: []tileFuncW{tileGenericW1x4}}
	}
	return &kernel{name: "generic", mr: 4, nr: 4, vw: 4, kc: 256,
		tiles: []tileFunc{tileGeneric4x4}, wtiles: []tileFuncW{tileGenericW4x4}}
}()

// emulatedDotKernel is the generic kernel with the avx512bf16 kernel's bf16 path in Go (see UseKernel).
var emulatedDotKernel = &kernel{name: "emulated-avx512bf16", mr: 1, nr: 4, vw: 4, kc: 256, hidden: true,
	tiles: []tileFunc{tileGeneric1x4}, wtiles: []tileFuncW{tileGenericW1x4}, dtiles: []tileFuncD{tileDotGeneric1x4}}

// tileGeneric1x4 computes a 1×4 tile in pure Go:
//
//	for j := 0; j < 4; j++ {
//		var t float32
//		for s := 0; s < k; s++ {
//			t += a[s] * b[s*ldb+j]
//		}
//		if acc != 0 {
//			t += c[j]
//		}
//		if bias != nil {
//			t += bias[j]
//		}
//		c[j] = t
//	}
func tileGeneric1x4(k int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, acc, n int) {
	for t := range n {
		tileGeneric1x4One(k, (*float32)(unsafe.Add(unsafe.Pointer(a), 4*t*k)), b, ldb, (*float32)(unsafe.Add(unsafe.Pointer(c), 4*t*1*ldc)), ldc, bias, acc)
	}
}

func tileGeneric1x4One(k int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, acc int) {
	as := unsafe.Slice(a, k)
	bs := unsafe.Slice(b, (k-1)*ldb+4)
	var c0, c1, c2, c3 float32
	for s, av := range as {
		bv := bs[s*ldb : s*ldb+4 : s*ldb+4]
		c0 += av * bv[0]
		c1 += av * bv[1]
		c2 += av * bv[2]
		c3 += av * bv[3]
	}
	store1x4(c, bias, acc, c0, c1, c2, c3)
}

// tileGeneric4x4 computes a 4×4 tile in pure Go:
//
//	for i := 0; i < 4; i++ {
//		for j := 0; j < 4; j++ {
//			var t float32
//			for s := 0; s < k; s++ {
//				t += a[s*4+i] * b[s*ldb+j]
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
// The sixteen sums stay in registers (or spill slots) and the loop body has no bounds checks.
func tileGeneric4x4(k int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, acc, n int) {
	for t := range n {
		tileGeneric4x4One(k, (*float32)(unsafe.Add(unsafe.Pointer(a), 4*t*(4*k))), b, ldb, (*float32)(unsafe.Add(unsafe.Pointer(c), 4*t*4*ldc)), ldc, bias, acc)
	}
}

func tileGeneric4x4One(k int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, acc int) {
	as := unsafe.Slice(a, 4*k)
	bs := unsafe.Slice(b, (k-1)*ldb+4)
	var c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33 float32
	for s := 0; s < k; s++ {
		av := as[4*s : 4*s+4 : 4*s+4]
		bv := bs[s*ldb : s*ldb+4 : s*ldb+4]
		a0, a1, a2, a3 := av[0], av[1], av[2], av[3]
		b0, b1, b2, b3 := bv[0], bv[1], bv[2], bv[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	store4x4(c, ldc, bias, acc, [4][4]float32{
		{c00, c01, c02, c03},
		{c10, c11, c12, c13},
		{c20, c21, c22, c23},
		{c30, c31, c32, c33},
	})
}

// store4x4 finishes a 4×4 tile: c = t (+ c if acc != 0) (+ bias).
func store4x4(c *float32, ldc int, bias *float32, acc int, t [4][4]float32) {
	cs := unsafe.Slice(c, 3*ldc+4)
	var bb []float32
	if bias != nil {
		bb = unsafe.Slice(bias, 4)
	}
	for i := range 4 {
		row := cs[i*ldc : i*ldc+4 : i*ldc+4]
		for j := range 4 {
			v := t[i][j]
			if acc != 0 {
				v += row[j]
			}
			if bb != nil {
				v += bb[j]
			}
			row[j] = v
		}
	}
}

// tileGenericW1x4 is tileGeneric1x4 for bf16 weights (tileFuncW): the same sums, in the same order,
// of products with the widened weights.
func tileGenericW1x4(k int, a *float32, b *uint32, ldb int, c *float32, ldc int, bias *float32, acc, n int) {
	for t := range n {
		tileGenericW1x4One(k, (*float32)(unsafe.Add(unsafe.Pointer(a), 4*t*k)), b, ldb, (*float32)(unsafe.Add(unsafe.Pointer(c), 4*t*1*ldc)), ldc, bias, acc)
	}
}

func tileGenericW1x4One(k int, a *float32, b *uint32, ldb int, c *float32, ldc int, bias *float32, acc int) {
	as := unsafe.Slice(a, k)
	kp := (k + 1) / 2
	bs := unsafe.Slice(b, (kp-1)*ldb+4)
	var c0, c1, c2, c3 float32
	s := 0
	for ; s+1 < k; s += 2 {
		bv := bs[(s/2)*ldb : (s/2)*ldb+4 : (s/2)*ldb+4]
		a0, a1 := as[s], as[s+1]
		c0 += a0 * bf16Lo(bv[0])
		c1 += a0 * bf16Lo(bv[1])
		c2 += a0 * bf16Lo(bv[2])
		c3 += a0 * bf16Lo(bv[3])
		c0 += a1 * bf16Hi(bv[0])
		c1 += a1 * bf16Hi(bv[1])
		c2 += a1 * bf16Hi(bv[2])
		c3 += a1 * bf16Hi(bv[3])
	}
	if s < k {
		bv := bs[(s/2)*ldb : (s/2)*ldb+4 : (s/2)*ldb+4]
		a0 := as[s]
		c0 += a0 * bf16Lo(bv[0])
		c1 += a0 * bf16Lo(bv[1])
		c2 += a0 * bf16Lo(bv[2])
		c3 += a0 * bf16Lo(bv[3])
	}
	store1x4(c, bias, acc, c0, c1, c2, c3)
}

// tileDotGeneric1x4 is a 1×4 tileFuncD in Go, adding each K pair as VDPBF16PS does: the product of
// the high halves first, then that of the low halves, each product exact in float32 (8-bit
// significands), each addition rounded to float32. (VDPBF16PS also treats denormal inputs as zero and
// flushes denormal results; with weights and activations of normal size, that never matters.)
func tileDotGeneric1x4(k int, a, b *uint32, ldb int, c *float32, ldc int, bias *float32, acc, n int) {
	for t := range n {
		tileDotGeneric1x4One(k, (*uint32)(unsafe.Add(unsafe.Pointer(a), 4*t*((k+1)/2))), b, ldb, (*float32)(unsafe.Add(unsafe.Pointer(c), 4*t*1*ldc)), ldc, bias, acc)
	}
}

func tileDotGeneric1x4One(k int, a, b *uint32, ldb int, c *float32, ldc int, bias *float32, acc int) {
	kp := (k + 1) / 2
	as := unsafe.Slice(a, kp)
	bs := unsafe.Slice(b, (kp-1)*ldb+4)
	var t0, t1, t2, t3 float32
	for pp, aw := range as {
		bv := bs[pp*ldb : pp*ldb+4 : pp*ldb+4]
		ah, al := bf16Hi(aw), bf16Lo(aw)
		b0, b1, b2, b3 := bv[0], bv[1], bv[2], bv[3]
		t0 += ah * bf16Hi(b0)
		t1 += ah * bf16Hi(b1)
		t2 += ah * bf16Hi(b2)
		t3 += ah * bf16Hi(b3)
		t0 += al * bf16Lo(b0)
		t1 += al * bf16Lo(b1)
		t2 += al * bf16Lo(b2)
		t3 += al * bf16Lo(b3)
	}
	store1x4(c, bias, acc, t0, t1, t2, t3)
}

// store1x4 finishes a 1×4 tile: c = t (+ c if acc != 0) (+ bias).
func store1x4(c, bias *float32, acc int, c0, c1, c2, c3 float32) {
	cs := unsafe.Slice(c, 4)
	if acc != 0 {
		c0 += cs[0]
		c1 += cs[1]
		c2 += cs[2]
		c3 += cs[3]
	}
	if bias != nil {
		bb := unsafe.Slice(bias, 4)
		c0 += bb[0]
		c1 += bb[1]
		c2 += bb[2]
		c3 += bb[3]
	}
	cs[0], cs[1], cs[2], cs[3] = c0, c1, c2, c3
}

// tileGenericW4x4 is tileGeneric4x4 for bf16 weights (tileFuncW).
func tileGenericW4x4(k int, a *float32, b *uint32, ldb int, c *float32, ldc int, bias *float32, acc, n int) {
	for t := range n {
		tileGenericW4x4One(k, (*float32)(unsafe.Add(unsafe.Pointer(a), 4*t*(4*k))), b, ldb, (*float32)(unsafe.Add(unsafe.Pointer(c), 4*t*4*ldc)), ldc, bias, acc)
	}
}

func tileGenericW4x4One(k int, a *float32, b *uint32, ldb int, c *float32, ldc int, bias *float32, acc int) {
	as := unsafe.Slice(a, 4*k)
	kp := (k + 1) / 2
	bs := unsafe.Slice(b, (kp-1)*ldb+4)
	var c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33 float32
	for s := 0; s < k; s++ {
		av := as[4*s : 4*s+4 : 4*s+4]
		bv := bs[(s/2)*ldb : (s/2)*ldb+4 : (s/2)*ldb+4]
		var b0, b1, b2, b3 float32
		if s&1 == 0 {
			b0, b1, b2, b3 = bf16Lo(bv[0]), bf16Lo(bv[1]), bf16Lo(bv[2]), bf16Lo(bv[3])
		} else {
			b0, b1, b2, b3 = bf16Hi(bv[0]), bf16Hi(bv[1]), bf16Hi(bv[2]), bf16Hi(bv[3])
		}
		a0, a1, a2, a3 := av[0], av[1], av[2], av[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	store4x4(c, ldc, bias, acc, [4][4]float32{
		{c00, c01, c02, c03},
		{c10, c11, c12, c13},
		{c20, c21, c22, c23},
		{c30, c31, c32, c33},
	})
}
