package cuda

import (
	"fmt"
	"math"
	"strings"
)

// DType is what the backend stores weights in and multiplies with.
type DType int

const (
	FP32 DType = iota // fp32 weights, SIMT fp32 GEMM: the verification mode
	BF16              // bf16 weights, tensor cores, fp32 accumulation
	FP16              // fp16 weights, tensor cores, fp32 accumulation
)

func (d DType) String() string {
	switch d {
	case FP32:
		return "fp32"
	case BF16:
		return "bf16"
	case FP16:
		return "fp16"
	}
	return fmt.Sprintf("DType(%d)", int(d))
}

// ParseDType reads "fp32", "bf16" or "fp16" (also "float32", "bfloat16", "float16", "half").
func ParseDType(s string) (DType, error) {
	switch strings.ToLower(s) {
	case "fp32", "float32", "f32":
		return FP32, nil
	case "bf16", "bfloat16":
		return BF16, nil
	case "fp16", "float16", "f16", "half":
		return FP16, nil
	}
	return 0, fmt.Errorf("unknown dtype %q (want fp32, bf16 or fp16)", s)
}

// size is the bytes per weight element.
func (d DType) size() int {
	if d == FP32 {
		return 4
	}
	return 2
}

// BF16Bits rounds f to bfloat16, to nearest with ties to even (as __float2bfloat16_rn); NaN stays NaN.
func BF16Bits(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 { // NaN: keep it quiet and non-zero
		return uint16(b>>16) | 0x40
	}
	b += 0x7fff + (b>>16)&1
	return uint16(b >> 16)
}

// BF16Float widens a bfloat16.
func BF16Float(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// FP16Bits rounds f to IEEE binary16, to nearest with ties to even (as __float2half_rn): overflow gives
// ±Inf, tiny values become subnormals or zero.
func FP16Bits(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23) & 0xff
	man := b & 0x7fffff
	switch {
	case exp == 0xff: // Inf or NaN
		if man != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	case exp > 142: // >= 2^16: overflow
		return sign | 0x7c00
	case exp < 102: // < 2^-25: rounds to zero
		return sign
	}
	e := exp - 127 + 15
	if e <= 0 { // subnormal: value = man' · 2^-24
		m := man | 0x800000
		shift := uint(14 - e) // 1 - e + 13
		h := m >> shift
		rem := m & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rem > half || (rem == half && h&1 == 1) {
			h++
		}
		return sign | uint16(h)
	}
	h := uint32(e)<<10 | man>>13
	rem := man & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && h&1 == 1) {
		h++ // may carry into the exponent, up to Inf: still right
	}
	if h >= 0x7c00 {
		return sign | 0x7c00
	}
	return sign | uint16(h)
}

// FP16Float widens an IEEE binary16.
func FP16Float(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	man := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | man<<13)
	case exp == 0:
		if man == 0 {
			return math.Float32frombits(sign)
		}
		f := float32(man) / (1 << 24)
		if sign != 0 {
			f = -f
		}
		return f
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | man<<13)
}

// round returns f as the dtype stores it (for references and the emulator).
func (d DType) round(f float32) float32 {
	switch d {
	case BF16:
		return BF16Float(BF16Bits(f))
	case FP16:
		return FP16Float(FP16Bits(f))
	}
	return f
}
