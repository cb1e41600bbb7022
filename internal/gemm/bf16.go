package gemm

import "math"

// bf16 rounds f to bfloat16 (its high 16 bits), to nearest with ties to even; NaN stays a quiet NaN.
func bf16(f float32) uint32 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 {
		return b>>16 | 0x40
	}
	return (b + 0x7fff + (b>>16)&1) >> 16
}

// bf16Pair packs two floats, rounded to bfloat16, into one word: lo in the low half.
func bf16Pair(lo, hi float32) uint32 { return bf16(lo) | bf16(hi)<<16 }

// bf16Lo and bf16Hi widen the low and high bfloat16 of a word.
func bf16Lo(w uint32) float32 { return math.Float32frombits(w << 16) }
func bf16Hi(w uint32) float32 { return math.Float32frombits(w &^ 0xffff) }

// RoundBF16 returns f rounded to the nearest bfloat16 (ties to even), as a float32: the value bf16
// weights hold.
func RoundBF16(f float32) float32 { return math.Float32frombits(bf16(f) << 16) }
