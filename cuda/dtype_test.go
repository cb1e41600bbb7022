package cuda

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestBF16RoundTrip(t *testing.T) {
	cases := map[float32]uint16{1: 0x3f80, -2: 0xc000, 0: 0, 3.140625: 0x4049}
	for f, want := range cases {
		if got := BF16Bits(f); got != want {
			t.Errorf("BF16Bits(%v) = %#x, want %#x", f, got, want)
		}
	}
	// Ties to even: 1 + 2^-8 is halfway between 1 and 1 + 2^-7; even is 1.
	if got := BF16Float(BF16Bits(1 + 1.0/256)); got != 1 {
		t.Errorf("tie rounds to %v, want 1", got)
	}
	if got := BF16Float(BF16Bits(1 + 3.0/256)); got != 1+4.0/256 {
		t.Errorf("tie rounds to %v, want %v", got, 1+4.0/256)
	}
	if !math.IsNaN(float64(BF16Float(BF16Bits(float32(math.NaN()))))) {
		t.Error("NaN lost")
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		f := float32(r.NormFloat64() * 10)
		g := BF16Float(BF16Bits(f))
		if math.Abs(float64(g-f)) > math.Abs(float64(f))/256 {
			t.Fatalf("bf16(%v) = %v: error over 2^-8", f, g)
		}
	}
}

func TestFP16(t *testing.T) {
	cases := []struct {
		f    float32
		want uint16
	}{
		{1, 0x3c00}, {-2, 0xc000}, {65504, 0x7bff}, {65520, 0x7c00}, {1e6, 0x7c00},
		{float32(math.Ldexp(1, -24)), 0x0001}, {float32(math.Ldexp(1, -14)), 0x0400},
		{float32(math.Ldexp(1, -26)), 0}, {0.1, 0x2e66}, {float32(math.Inf(-1)), 0xfc00},
	}
	for _, c := range cases {
		if got := FP16Bits(c.f); got != c.want {
			t.Errorf("FP16Bits(%v) = %#x, want %#x", c.f, got, c.want)
		}
	}
	// Every half round-trips.
	for h := range 0x10000 {
		hh := uint16(h)
		f := FP16Float(hh)
		if math.IsNaN(float64(f)) {
			continue
		}
		if got := FP16Bits(f); got != hh && !(f == 0 && got&0x7fff == 0) {
			t.Fatalf("FP16Bits(FP16Float(%#x) = %v) = %#x", hh, f, got)
		}
	}
	// Rounding to nearest: compare with a brute-force nearest over neighbours.
	r := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		f := float32(r.NormFloat64() * math.Pow(2, float64(r.IntN(30)-20)))
		h := FP16Bits(f)
		g := FP16Float(h)
		for _, n := range []uint16{h - 1, h + 1} {
			if alt := FP16Float(n); !math.IsInf(float64(alt), 0) && math.Abs(float64(alt-f)) < math.Abs(float64(g-f)) {
				t.Fatalf("FP16Bits(%v) = %v but %v is nearer", f, g, alt)
			}
		}
	}
}
