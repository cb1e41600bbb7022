package model

import (
	"math"
	"unsafe"
)

// firstNonFinite returns the index of the first NaN or ±Inf in x, or -1. A float32 is not finite when its
// exponent bits are all ones; adding one to the exponent field (bit 23) then carries into the sign bit.
// Two floats are tested per uint64 operation (the carry of the low one stops at bit 31) and the carries of
// 16 floats are or-ed before one branch, so that checking every weight at load costs a fraction of
// reading it.
func firstNonFinite(x []float32) int {
	const (
		expMask = 0x7f800000_7f800000
		expOne  = 0x00800000_00800000
		carry   = 0x80000000_80000000
	)
	i := 0
	// Go's float32 slices need not be 8-byte aligned: test one float on its own to align.
	if len(x) > 0 && uintptr(unsafe.Pointer(&x[0]))%8 != 0 {
		if !finite(x[0]) {
			return 0
		}
		i = 1
	}
	if n := (len(x) - i) / 16; n > 0 {
		u := unsafe.Slice((*uint64)(unsafe.Pointer(&x[i])), n*8)
		for b := 0; b < len(u); b += 8 {
			v := u[b : b+8 : b+8]
			acc := (v[0]&expMask + expOne) | (v[1]&expMask + expOne) | (v[2]&expMask + expOne) | (v[3]&expMask + expOne) |
				(v[4]&expMask + expOne) | (v[5]&expMask + expOne) | (v[6]&expMask + expOne) | (v[7]&expMask + expOne)
			if acc&carry != 0 {
				break // the scalar loop below finds which
			}
			i += 16
		}
	}
	for ; i < len(x); i++ {
		if !finite(x[i]) {
			return i
		}
	}
	return -1
}

// finite reports whether v is neither NaN nor ±Inf.
func finite(v float32) bool { return math.Float32bits(v)&0x7f800000 != 0x7f800000 }
