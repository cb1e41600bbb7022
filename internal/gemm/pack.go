package gemm

import (
	"fmt"
	"runtime"
	"unsafe"
)

// panelWidth is the number of columns of B in one packed panel. Every kernel's NR divides it, so one
// packed Weights serves all kernels.
const panelWidth = 48

// Weights is a Linear layer's weight W[n, k] (row-major, PyTorch nn.Linear layout) packed once into
// the panel layout the micro-kernels stream: panel q (columns 48q..48q+47 of B = Wᵀ, i.e. rows
// 48q.. of W) is k rows of 48 values, element (p, j) = W[48q+j, p], zero for 48q+j >= n.
//
// Pack stores float32: panels one after the other, 64-byte aligned, ⌈n/48⌉·48·k floats, at most 47·k
// more than W. PackBF16 stores bfloat16 (rounded to nearest even) in K pairs: panel q is ⌈k/2⌉ rows
// of 48 32-bit words, word (pp, j) holding element (2pp, j) in its low half and (2pp+1, j) in its
// high half (zero past k) — half the memory, and the layout both the widening kernels and VDPBF16PS
// read. Either layout is the same for every kernel (each kernel's NR divides 48), so UseKernel may
// switch kernels after packing.
//
// Large panels are mapped from the OS outside the Go heap (on unix), so that the garbage collector's
// heap target does not grow with the model; they are unmapped when the Weights becomes unreachable.
// The original slice is not retained. A Weights is read-only: any number of Linear calls may use it
// at once.
type Weights struct {
	n, k   int
	panels []float32 // float32 panels (Pack), or nil
	words  []uint32  // bf16 K-pair panels (PackBF16), or nil
}

// Pack packs w, the row-major n×k weight matrix of a Linear layer (len(w) >= n*k), for Linear.
func Pack(w []float32, n, k int) *Weights {
	pw := newWeights(w, n, k, false)
	packBT(pw.panels, w, k, n, k)
	return pw
}

// PackBF16 is Pack with the weights rounded to bfloat16 (half the memory). Linear then multiplies in
// float32 with the widened weights, or, with the avx512bf16 kernel, with VDPBF16PS on activations
// rounded to bfloat16 too (see DotBF16); sums are float32 either way.
func PackBF16(w []float32, n, k int) *Weights {
	pw := newWeights(w, n, k, true)
	packBT16(pw.words, w, k, n, k)
	return pw
}

func newWeights(w []float32, n, k int, half bool) *Weights {
	if n < 0 || k < 0 {
		panic(fmt.Sprintf("gemm: Pack: negative size %d×%d", n, k))
	}
	if len(w) < n*k {
		panic(fmt.Sprintf("gemm: Pack: len(w) = %d < n·k = %d", len(w), n*k))
	}
	pw := &Weights{n: n, k: k}
	words := panelsLen(n, k)
	if half {
		words = panelsLen(n, (k+1)/2)
	}
	var f []float32
	if words >= 16<<10 {
		if mem := osAlloc(4 * words); mem != nil {
			f = unsafe.Slice((*float32)(unsafe.Pointer(&mem[0])), words)
			runtime.AddCleanup(pw, osFree, mem)
		}
	}
	if f == nil {
		f = alignedFloats(words)
	}
	if half {
		if words > 0 {
			pw.words = unsafe.Slice((*uint32)(unsafe.Pointer(&f[0])), words)
		} else {
			pw.words = []uint32{}
		}
	} else {
		pw.panels = f
	}
	return pw
}

// Dims returns the shape (n, k) of the packed W.
func (w *Weights) Dims() (n, k int) { return w.n, w.k }

// BF16 reports whether W is stored as bfloat16 (PackBF16).
func (w *Weights) BF16() bool { return w.words != nil }

// Bytes is the memory the packed panels take.
func (w *Weights) Bytes() int { return 4 * (len(w.panels) + len(w.words)) }

// panelsLen is the length of the packed panels of a k×n matrix B.
func panelsLen(n, k int) int { return (n + panelWidth - 1) / panelWidth * panelWidth * k }

// packBT packs B = Xᵀ for a row-major X[n, k] (row j at x[j*ldx:]) into panels (len panelsLen(n, k)):
//
//	dst[q*48*k + p*48 + j] = x[(48q+j)*ldx + p], 0 where 48q+j >= n.
func packBT(dst, x []float32, ldx, n, k int) {
	if k == 0 {
		return
	}
	for q := 0; q*panelWidth < n; q++ {
		panel := dst[q*panelWidth*k : (q+1)*panelWidth*k]
		cols := min(panelWidth, n-q*panelWidth)
		j := 0
		for ; j+8 <= cols; j += 8 {
			interleave(panel[j:], panelWidth, x[(q*panelWidth+j)*ldx:], ldx, 8, k)
		}
		for ; j < cols; j++ {
			row := x[(q*panelWidth+j)*ldx:]
			row = row[:k]
			d := panel[j:]
			for p, v := range row {
				d[p*panelWidth] = v
			}
		}
		if cols < panelWidth {
			for p := 0; p < k; p++ {
				clear(panel[p*panelWidth+cols : (p+1)*panelWidth])
			}
		}
	}
}

// packBT16 is packBT into bf16 K-pair panels (len panelsLen(n, ⌈k/2⌉) words):
//
//	dst[q*48*kp + pp*48 + j] = bf16(x[(48q+j)*ldx + 2pp]) | bf16(x[(48q+j)*ldx + 2pp+1])<<16,
//
// kp = ⌈k/2⌉, with zero halves past k and zero words where 48q+j >= n.
func packBT16(dst []uint32, x []float32, ldx, n, k int) {
	kp := (k + 1) / 2
	if kp == 0 {
		return
	}
	for q := 0; q*panelWidth < n; q++ {
		panel := dst[q*panelWidth*kp : (q+1)*panelWidth*kp]
		cols := min(panelWidth, n-q*panelWidth)
		for j := 0; j < cols; j++ {
			row := x[(q*panelWidth+j)*ldx:]
			row = row[:k]
			d := panel[j:]
			pp := 0
			for ; 2*pp+1 < k; pp++ {
				d[pp*panelWidth] = bf16Pair(row[2*pp], row[2*pp+1])
			}
			if 2*pp < k {
				d[pp*panelWidth] = bf16(row[2*pp])
			}
		}
		if cols < panelWidth {
			for pp := 0; pp < kp; pp++ {
				clear(panel[pp*panelWidth+cols : (pp+1)*panelWidth])
			}
		}
	}
}

// packBN packs a row-major B[k, n] (row p at b[p*ldb:]) into panels (len panelsLen(n, k)):
//
//	dst[q*48*k + p*48 + j] = b[p*ldb + 48q+j], 0 where 48q+j >= n.
func packBN(dst, b []float32, ldb, n, k int) {
	if k == 0 {
		return
	}
	for q := 0; q*panelWidth < n; q++ {
		panel := dst[q*panelWidth*k : (q+1)*panelWidth*k]
		j0 := q * panelWidth
		cols := min(panelWidth, n-j0)
		for p := 0; p < k; p++ {
			d := panel[p*panelWidth : (p+1)*panelWidth]
			copy(d[:cols], b[p*ldb+j0:p*ldb+j0+cols])
			clear(d[cols:])
		}
	}
}

// packA packs micro-panels [i0, i1) of the rows of a super-block of A (row r at a[r*lda:], rows
// valid rows, k columns) into dst, laid out as described in the package documentation: K-block
// [pc, pc+kb) at pc·mp, micro-panel i at +i·mr·kb, element (s, r) at +s·mr + r, zero for rows >= rows.
func packA(dst, a []float32, lda, rows, k, mr, kc, i0, i1 int) {
	mp := (rows + mr - 1) / mr * mr
	for pc := 0; pc < k; pc += kc {
		kb := min(kc, k-pc)
		for i := i0; i < i1; i++ {
			d := dst[pc*mp+i*mr*kb : pc*mp+(i+1)*mr*kb]
			h := min(mr, rows-i*mr)
			src := a[i*mr*lda+pc:]
			switch {
			case h == mr && (mr == 8 || mr == 6):
				interleave(d, mr, src, lda, mr, kb)
				continue
			case mr == 1:
				copy(d, src[:kb])
				continue
			}
			for r := 0; r < h; r++ {
				row := src[r*lda : r*lda+kb]
				dr := d[r:]
				for s, v := range row {
					dr[s*mr] = v
				}
			}
			for r := h; r < mr; r++ {
				for s := 0; s < kb; s++ {
					d[s*mr+r] = 0
				}
			}
		}
	}
}

// packA16 is packA for the dot-product kernels: the same layout in words of bf16 K pairs. K-block
// [pc, pc+kb) (pc even) starts at word (pc/2)·mp; micro-panel i at +i·mr·⌈kb/2⌉; word (s, r) at
// +s·mr + r holds bf16(A[r, pc+2s]) | bf16(A[r, pc+2s+1])<<16, zero halves past k and zero words for
// rows >= rows.
func packA16(dst []uint32, a []float32, lda, rows, k, mr, kc, i0, i1 int) {
	mp := (rows + mr - 1) / mr * mr
	for pc := 0; pc < k; pc += kc {
		kb := min(kc, k-pc)
		kbp := (kb + 1) / 2
		base := (pc / 2) * mp
		for i := i0; i < i1; i++ {
			d := dst[base+i*mr*kbp : base+(i+1)*mr*kbp]
			h := min(mr, rows-i*mr)
			for r := 0; r < h; r++ {
				row := a[(i*mr+r)*lda+pc : (i*mr+r)*lda+pc+kb]
				s := 0
				for ; 2*s+1 < kb; s++ {
					d[s*mr+r] = bf16Pair(row[2*s], row[2*s+1])
				}
				if 2*s < kb {
					d[s*mr+r] = bf16(row[2*s])
				}
			}
			for r := h; r < mr; r++ {
				for s := 0; s < kbp; s++ {
					d[s*mr+r] = 0
				}
			}
		}
	}
}

// interleave writes rows (6 or 8) rows of kb floats (row r at a[r*lda:]) side by side:
// d[s*ld+r] = a[r*lda+s]; 8 steps at a time by an AVX2 transpose where the kernel in use has the
// vector functions (kb beyond a multiple of 8 is left to the loop).
func interleave(d []float32, ld int, a []float32, lda, rows, kb int) {
	if n := kb &^ 7; n > 0 && useVec() {
		_, _ = a[(rows-1)*lda+n-1], d[(n-1)*ld+rows-1]
		vTranspose8(&d[0], ld, &a[0], lda, rows, n)
		if n == kb {
			return
		}
		d, a, kb = d[n*ld:], a[n:], kb-n
	}
	for r := range rows {
		dr := d[r:]
		for s, v := range a[r*lda : r*lda+kb] {
			dr[s*ld] = v
		}
	}
}

// alignedFloats returns a zeroed slice of n float32 whose first element is 64-byte aligned.
func alignedFloats(n int) []float32 {
	s := make([]float32, n+16)
	off := int((64 - uintptr(unsafe.Pointer(&s[0]))%64) % 64 / 4)
	return s[off : off+n : off+n]
}
