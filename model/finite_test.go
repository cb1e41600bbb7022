package model

import (
	"math"
	"testing"
)

func TestFirstNonFinite(t *testing.T) {
	for _, n := range []int{0, 1, 15, 16, 17, 33, 100} {
		// Every offset (aligned and not), every position and every kind of non-finite value.
		buf := make([]float32, n+1)
		for off := range 2 {
			x := buf[off : off+n]
			for i := range x {
				x[i] = float32(i) - 3.5
			}
			if got := firstNonFinite(x); got != -1 {
				t.Fatalf("n=%d off=%d finite: got %d", n, off, got)
			}
			for i := range n {
				for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))} {
					x[i] = bad
					if j := min(n-1, i+5); j > i {
						x[j] = float32(math.NaN()) // a later one must not be reported first
					}
					if got := firstNonFinite(x); got != i {
						t.Fatalf("n=%d off=%d bad %v at %d: got %d", n, off, bad, i, got)
					}
					for k := range x {
						x[k] = float32(k) - 3.5
					}
				}
			}
			// The largest finite values are finite.
			for i := range x {
				x[i] = math.MaxFloat32
			}
			if got := firstNonFinite(x); got != -1 {
				t.Fatalf("MaxFloat32: got %d", got)
			}
		}
	}
}

// BenchmarkFirstNonFinite measures the finite check of a 4M-value tensor (16 MiB: base-patch32's largest
// Linear weight is 2.4 M values), to compare with loading it.
func BenchmarkFirstNonFinite(b *testing.B) {
	x := make([]float32, 4<<20)
	for i := range x {
		x[i] = float32(i%1000) * 0.001
	}
	b.SetBytes(int64(4 * len(x)))
	for b.Loop() {
		if firstNonFinite(x) != -1 {
			b.Fatal("non-finite")
		}
	}
}
