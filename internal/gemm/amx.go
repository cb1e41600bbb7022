package gemm

import (
	"math"
	"unsafe"
)

// The AMX-BF16 path (kernel "amx", and its Go stand-in "emulated-amx").
//
// Blocking: one call computes 16-row tiles (the height of an AMX tile) of 16, 32 or 48 columns (one
// to three 16×16 float32 C tiles, TMM0–TMM2) for n consecutive 16-row micro-panels of A against one
// B micro-panel; per 16 K pairs (32 K steps) it loads one A tile (TMM3) and, for each 16 columns,
// one B tile (TMM4) and runs one TDPBF16PS. 16×48 rather than the 2×2 tiles (32×32) oneDNN uses,
// because every kernel's column width must divide the 48-wide panels that Pack and PackBF16 share
// (so one packed Weights serves all kernels), and three C tiles + A + B fit the eight tile
// registers while 2×3 would not; the A tile is reused three times, each B tile once per row
// micro-panel (from L1: kc = 256 keeps the 128×48-word B micro-panel, 24 KiB, there). M = 400 (8
// frames × 50 tokens) is 25 micro-panels exactly.
//
// B needs no new packing: the bf16 K-pair panels of PackBF16 (row pp: 48 words, word j =
// B[2pp, j] | B[2pp+1, j]<<16) are the VNNI layout TDPBF16PS reads, 16 columns = 64 bytes of a row,
// rows ldb·4 = 192 bytes apart. A is packed per call as bf16 pairs (rounded to nearest even, as
// packA16), in tile blocks (packA16AMX).
//
// Numerics: TDPBF16PS as in Intel's pseudocode (SDM, "TDPBF16PS"): for each row m, K pair k and column
// n, C[m][n] += A[m][2k]·B[k][2n], then C[m][n] += A[m][2k+1]·B[k][2n+1]; the products of two bf16
// are exact in float32, each sum is rounded to nearest even, bf16 inputs that are denormal count as
// zero and denormal sums are flushed to zero; MXCSR plays no part. amxDot does exactly this; the
// hardware may keep more internal precision, which is why native and emulated results are compared
// with a tolerance rather than bit for bit.

// amxRows is the height of an AMX tile and the MR of the AMX kernels.
const amxRows = 16

// amxConfig fills cfg, the 64-byte LDTILECFG block (palette 1), for a K-block of k steps: C tiles
// TMM0–TMM2 (16 rows × 64 bytes), A TMM3 (16 × 64 bytes: 16 K pairs), B TMM4 (16 pair rows × 64
// bytes), and for the last t = ⌈k/2⌉ mod 16 pairs A TMM5 (16 × 4t bytes) and B TMM6 (t × 64 bytes),
// left unconfigured (0 rows, 0 bytes) when t = 0.
func amxConfig(cfg *[16]uint32, k int) {
	var b [64]byte
	b[0] = 1 // palette 1
	set := func(tmm, rows, colsb int) {
		b[16+2*tmm], b[16+2*tmm+1] = byte(colsb), byte(colsb>>8)
		b[48+tmm] = byte(rows)
	}
	for t := 0; t < 5; t++ {
		set(t, amxRows, 64)
	}
	if tail := (k + 1) / 2 % 16; tail > 0 {
		set(5, amxRows, 4*tail)
		set(6, tail, 64)
	}
	for i := range cfg {
		cfg[i] = uint32(b[4*i]) | uint32(b[4*i+1])<<8 | uint32(b[4*i+2])<<16 | uint32(b[4*i+3])<<24
	}
}

// packA16AMX is packA16 in the layout the AMX kernels load as tiles. K-block [pc, pc+kb) (pc even)
// starts at word (pc/2)·mp and micro-panel i (16 rows) at +i·16·kbp, kbp = ⌈kb/2⌉, as for packA16;
// inside it, chunk c of w = min(16, kbp-16c) K pairs starts at +256c, and word (r, s) of a chunk at
// +r·w + s holds bf16(A[r, pc+2(16c+s)]) | bf16(A[r, pc+2(16c+s)+1])<<16, zero halves past k and zero
// rows past rows. Each chunk is thus one A tile, contiguous (stride 4w bytes).
func packA16AMX(dst []uint32, a []float32, lda, rows, k, kc, i0, i1 int) {
	const mr = amxRows
	mp := (rows + mr - 1) / mr * mr
	for pc := 0; pc < k; pc += kc {
		kb := min(kc, k-pc)
		kbp := (kb + 1) / 2
		base := (pc / 2) * mp
		for i := i0; i < i1; i++ {
			d := dst[base+i*mr*kbp : base+(i+1)*mr*kbp]
			h := min(mr, rows-i*mr)
			for c0 := 0; c0 < kbp; c0 += 16 {
				w := min(16, kbp-c0)
				chunk := d[mr*c0 : mr*c0+mr*w]
				for r := 0; r < h; r++ {
					row := a[(i*mr+r)*lda+pc : (i*mr+r)*lda+pc+kb]
					out := chunk[r*w : r*w+w]
					for s := range out {
						p := 2 * (c0 + s)
						if p+1 < kb {
							out[s] = bf16Pair(row[p], row[p+1])
						} else {
							out[s] = bf16(row[p])
						}
					}
				}
				clear(chunk[h*w:])
			}
		}
	}
}

// amxDot adds the two products of a word of A (a K pair of one row) and a word of B (the same K pair
// of one column) to acc, as TDPBF16PS does: even product first, then odd; bf16 denormals read as
// zero, each sum rounded to float32 and flushed to zero when denormal.
func amxDot(acc float32, aw, bw uint32) float32 {
	p0 := float32(bf16LoDAZ(aw) * bf16LoDAZ(bw)) // exact: 8-bit significands
	acc = ftz(acc + p0)
	p1 := float32(bf16HiDAZ(aw) * bf16HiDAZ(bw))
	return ftz(acc + p1)
}

func bf16LoDAZ(w uint32) float32 { return daz(w << 16) }
func bf16HiDAZ(w uint32) float32 { return daz(w &^ 0xffff) }

// daz reads float32 bits, a denormal as a zero of its sign.
func daz(b uint32) float32 {
	if b&0x7f800000 == 0 {
		b &= 0x80000000
	}
	return math.Float32frombits(b)
}

// ftz flushes a denormal to a zero of its sign.
func ftz(x float32) float32 { return daz(math.Float32bits(x)) }

// amxTileGo is the Go stand-in of amxBF16x{16·nv} (tileFuncD with A in the packA16AMX layout): the
// same tiles, K order and TDPBF16PS numerics (amxDot, written out: each chunk of B is widened once for
// its 16 rows), then the bias added in float32.
func amxTileGo(nv int) tileFuncD {
	return func(k int, a, b *uint32, ldb int, c *float32, ldc int, bias *float32, acc, n int) {
		kp := (k + 1) / 2
		w := 16 * nv
		as := unsafe.Slice(a, n*amxRows*kp)
		bs := unsafe.Slice(b, (kp-1)*ldb+w)
		cs := unsafe.Slice(c, (amxRows*n-1)*ldc+w)
		var bv []float32
		if bias != nil {
			bv = unsafe.Slice(bias, w)
		}
		var t [amxRows][panelWidth]float32
		var lo, hi [16][panelWidth]float32 // a chunk of B widened, denormals as zero
		for tt := 0; tt < n; tt++ {
			ap := as[tt*amxRows*kp : (tt+1)*amxRows*kp]
			ct := cs[tt*amxRows*ldc:]
			for r := range t {
				if acc != 0 {
					copy(t[r][:w], ct[r*ldc:r*ldc+w])
				} else {
					clear(t[r][:w])
				}
			}
			for c0 := 0; c0 < kp; c0 += 16 {
				cw := min(16, kp-c0)
				for s := 0; s < cw; s++ {
					for j, bw := range bs[(c0+s)*ldb : (c0+s)*ldb+w] {
						lo[s][j], hi[s][j] = bf16LoDAZ(bw), bf16HiDAZ(bw)
					}
				}
				chunk := ap[amxRows*c0:]
				for r := range t {
					trow := t[r][:w]
					for s, aw := range chunk[r*cw : r*cw+cw] {
						a0, a1 := bf16LoDAZ(aw), bf16HiDAZ(aw)
						l, h := lo[s][:w], hi[s][:w]
						for j, x := range trow {
							x += float32(a0 * l[j]) // exact product, one rounding (no fused multiply-add)
							if math.Float32bits(x)&0x7f800000 == 0 {
								x = ftz(x)
							}
							x += float32(a1 * h[j])
							if math.Float32bits(x)&0x7f800000 == 0 {
								x = ftz(x)
							}
							trow[j] = x
						}
					}
				}
			}
			for r := range t {
				crow := ct[r*ldc : r*ldc+w]
				copy(crow, t[r][:w])
				for j := range bv {
					crow[j] += bv[j]
				}
			}
		}
	}
}

// emulatedAMXKernel runs the AMX path's blocking, packing and numerics in Go (see UseKernel), with the
// generic kernel for float32 weights and the attention products.
var emulatedAMXKernel = &kernel{name: "emulated-amx", mr: amxRows, nr: panelWidth, vw: 16, kc: 256, hidden: true,
	amxA: true, dtiles: []tileFuncD{amxTileGo(1), amxTileGo(2), amxTileGo(3)}, f32: genericKernel}
