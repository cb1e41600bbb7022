// Command asmgen writes kernel_amd64.s, the register-tiled micro-kernels of package gemm.
//
// Run it through go generate in internal/gemm (see kernel_amd64.go). Every kernel it emits has the Go
// signature
//
//	func name(k int, a, b *T, ldb int, c *float32, ldc int, bias *float32, acc, n int)
//
// and computes, for n tiles of MR rows and NV·VW columns (VW = 8 for AVX2, 16 for AVX-512) — n
// consecutive micro-panels of A, each one against the same B micro-panel, into MR·n consecutive rows
// of C —
//
//	t[i][j] = Σ_{p<k} A(p, i) · B(p, j)
//	if acc != 0   { t[i][j] += c[i*ldc+j] }
//	if bias != nil { t[i][j] += bias[j] }
//	c[i*ldc+j] = t[i][j]
//
// (A's micro-panels are contiguous: the next one starts where the k loop leaves the A pointer.)
//
// The tile lives in MR·NV vector registers for the whole k loop; a row of the packed B panel is NV
// vector loads, every element of the packed A panel is one broadcast that feeds NV FMAs.
//
// Three families differ in what the panels hold:
//
//   - sgemm (f32): A(p, i) = a[p*MR+i], B(p, j) = b[p*ldb+j], float32.
//   - bgemm (widen, bf16 weights): A as for sgemm; B is bfloat16 in K pairs: the 32-bit word
//     b32[(p/2)*ldb + j] holds B(p&^1, j) in its low half and B(p|1, j) in its high half. A vector of
//     words yields the even row by a left shift of 16 and the odd row by masking the low half away,
//     both exact float32 values; then the same FMAs as sgemm, in the same order.
//   - dgemm (dot, AVX512_BF16): A is bfloat16 in K pairs too (word a32[(p/2)*MR+i]), broadcast as
//     one 32-bit word; VDPBF16PS multiplies a pair of A by a pair of B and adds both products to the
//     float32 accumulator. k is rounded up to even: the panels are zero-padded.
//
// The Go assembler has no VDPBF16PS; it is emitted as EVEX bytes (vdpbf16ps below). The AMX-BF16
// kernels (amx.go: amxBF16x16/32/48, another signature) are emitted after these, their tile
// instructions as VEX bytes.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"strings"
)

// mode says what the packed panels hold.
type mode int

const (
	f32   mode = iota // A and B float32
	widen             // A float32, B bf16 in K pairs, widened to float32 in registers
	dot               // A and B bf16 in K pairs, VDPBF16PS
)

// kern describes one micro-kernel.
type kern struct {
	name   string
	mr, nv int    // rows, vectors per row
	vw     int    // floats per vector
	reg    string // "Y" or "Z"
	zero   string // instruction that zeroes a register: op R, R, R
	nAreg  int    // broadcast registers, used round-robin
	mode   mode
	doc    string
	// wide kernels (f32) have more B vectors per row than registers to hold them: each B vector is
	// loaded into one of two alternating temporaries and multiplied into every row before the next,
	// so that a tile as wide as the panel reads each row of B whole (a sequential stream).
	wide bool
}

func (k kern) acc(i, v int) string { return fmt.Sprintf("%s%d", k.reg, i*k.nv+v) }
func (k kern) bregN(v int) int {
	if k.wide { // after the accumulators and the mr broadcast registers
		return k.mr*k.nv + k.mr + v%2
	}
	return k.mr*k.nv + v
}
func (k kern) breg(v int) string { return fmt.Sprintf("%s%d", k.reg, k.bregN(v)) }
func (k kern) aregN(i int) int {
	if k.wide {
		return k.mr*k.nv + i%k.mr
	}
	return k.mr*k.nv + k.nv + i%k.nAreg
}
func (k kern) areg(i int) string { return fmt.Sprintf("%s%d", k.reg, k.aregN(i)) }
func (k kern) vbytes() int       { return 4 * k.vw }

// mask is the widen kernels' 0xFFFF0000 register: the one after the broadcast registers.
func (k kern) mask() string { return fmt.Sprintf("%s%d", k.reg, k.mr*k.nv+k.nv+k.nAreg) }

var kernels = []kern{
	{name: "sgemmAVX512x8x48", mr: 8, nv: 3, vw: 16, reg: "Z", zero: "VPXORD", nAreg: 5, doc: "AVX-512F, 8×48 tile: 24 accumulators Z0–Z23, B row in Z24–Z26, broadcasts in Z27–Z31."},
	{name: "sgemmAVX512x8x32", mr: 8, nv: 2, vw: 16, reg: "Z", zero: "VPXORD", nAreg: 6, doc: "AVX-512F, 8×32 tile: 16 accumulators Z0–Z15, B row in Z16–Z17, broadcasts in Z18–Z23."},
	{name: "sgemmAVX512x8x16", mr: 8, nv: 1, vw: 16, reg: "Z", zero: "VPXORD", nAreg: 6, doc: "AVX-512F, 8×16 tile: 8 accumulators Z0–Z7, B row in Z8, broadcasts in Z9–Z14."},
	{name: "sgemmAVX2x6x16", mr: 6, nv: 2, vw: 8, reg: "Y", zero: "VXORPS", nAreg: 2, doc: "AVX2+FMA, 6×16 tile: 12 accumulators Y0–Y11, B row in Y12–Y13, broadcasts in Y14–Y15."},
	{name: "sgemmAVX2x2x48", mr: 2, nv: 6, vw: 8, reg: "Y", zero: "VXORPS", nAreg: 2, wide: true, doc: "AVX2+FMA, 2×48 tile for few rows: 12 accumulators Y0–Y11, broadcasts in Y12–Y13, each B vector in Y14 or Y15 as it is used."},
	{name: "sgemmAVX2x2x40", mr: 2, nv: 5, vw: 8, reg: "Y", zero: "VXORPS", nAreg: 2, wide: true, doc: "AVX2+FMA, 2×40 tile for few rows: 10 accumulators Y0–Y9, broadcasts in Y10–Y11, each B vector in Y12 or Y13 as it is used."},
	{name: "sgemmAVX2x2x32", mr: 2, nv: 4, vw: 8, reg: "Y", zero: "VXORPS", nAreg: 2, wide: true, doc: "AVX2+FMA, 2×32 tile for few rows: 8 accumulators Y0–Y7, broadcasts in Y8–Y9, each B vector in Y10 or Y11 as it is used."},
	{name: "sgemmAVX2x2x24", mr: 2, nv: 3, vw: 8, reg: "Y", zero: "VXORPS", nAreg: 2, wide: true, doc: "AVX2+FMA, 2×24 tile for few rows: 6 accumulators Y0–Y5, broadcasts in Y6–Y7, each B vector in Y8 or Y9 as it is used."},
	{name: "sgemmAVX2x2x16", mr: 2, nv: 2, vw: 8, reg: "Y", zero: "VXORPS", nAreg: 2, wide: true, doc: "AVX2+FMA, 2×16 tile for few rows: 4 accumulators Y0–Y3, broadcasts in Y4–Y5, each B vector in Y6 or Y7 as it is used."},
	{name: "sgemmAVX2x2x8", mr: 2, nv: 1, vw: 8, reg: "Y", zero: "VXORPS", nAreg: 2, wide: true, doc: "AVX2+FMA, 2×8 tile for few rows: 2 accumulators Y0–Y1, broadcasts in Y2–Y3, each B vector in Y4 or Y5 as it is used."},
	{name: "sgemmAVX2x6x8", mr: 6, nv: 1, vw: 8, reg: "Y", zero: "VXORPS", nAreg: 2, doc: "AVX2+FMA, 6×8 tile: 6 accumulators Y0–Y5, B row in Y6, broadcasts in Y7–Y8."},

	{name: "bgemmAVX512x8x48", mr: 8, nv: 3, vw: 16, reg: "Z", zero: "VPXORD", nAreg: 4, mode: widen, doc: "AVX-512F, 8×48 tile, bf16 B widened: 24 accumulators Z0–Z23, B row in Z24–Z26, broadcasts in Z27–Z30, mask in Z31."},
	{name: "bgemmAVX512x8x32", mr: 8, nv: 2, vw: 16, reg: "Z", zero: "VPXORD", nAreg: 4, mode: widen, doc: "AVX-512F, 8×32 tile, bf16 B widened: 16 accumulators Z0–Z15, B row in Z16–Z17, broadcasts in Z18–Z21, mask in Z22."},
	{name: "bgemmAVX512x8x16", mr: 8, nv: 1, vw: 16, reg: "Z", zero: "VPXORD", nAreg: 4, mode: widen, doc: "AVX-512F, 8×16 tile, bf16 B widened: 8 accumulators Z0–Z7, B row in Z8, broadcasts in Z9–Z12, mask in Z13."},
	{name: "bgemmAVX2x6x16", mr: 6, nv: 2, vw: 8, reg: "Y", zero: "VXORPS", nAreg: 1, mode: widen, doc: "AVX2+FMA, 6×16 tile, bf16 B widened: 12 accumulators Y0–Y11, B row in Y12–Y13, broadcast in Y14, mask in Y15."},
	{name: "bgemmAVX2x6x8", mr: 6, nv: 1, vw: 8, reg: "Y", zero: "VXORPS", nAreg: 2, mode: widen, doc: "AVX2+FMA, 6×8 tile, bf16 B widened: 6 accumulators Y0–Y5, B row in Y6, broadcasts in Y7–Y8, mask in Y9."},

	{name: "dgemmAVX512x8x48", mr: 8, nv: 3, vw: 16, reg: "Z", zero: "VPXORD", nAreg: 5, mode: dot, doc: "AVX512_BF16, 8×48 tile: 24 accumulators Z0–Z23, B pair row in Z24–Z26, A pair broadcasts in Z27–Z31."},
	{name: "dgemmAVX512x8x32", mr: 8, nv: 2, vw: 16, reg: "Z", zero: "VPXORD", nAreg: 6, mode: dot, doc: "AVX512_BF16, 8×32 tile: 16 accumulators Z0–Z15, B pair row in Z16–Z17, A pair broadcasts in Z18–Z23."},
	{name: "dgemmAVX512x8x16", mr: 8, nv: 1, vw: 16, reg: "Z", zero: "VPXORD", nAreg: 6, mode: dot, doc: "AVX512_BF16, 8×16 tile: 8 accumulators Z0–Z7, B pair row in Z8, A pair broadcasts in Z9–Z14."},
}

const header = `// Code generated by internal/asmgen; DO NOT EDIT.

//go:build !purego

#include "textflag.h"

// Arguments, shared by every kernel below:
//
//	func kernel(k int, a, b *T, ldb int, c *float32, ldc int, bias *float32, acc, n int)
//
// a is the first of n consecutive packed A micro-panels, b a packed B panel, c the top-left element of
// the first MR×(NV·VW) tile of C (rows ldc floats apart; tile t starts MR·t rows down). sgemm: a holds k steps of MR floats, b k rows of at least NV·VW floats, ldb
// floats apart. bgemm: a as for sgemm; b holds ⌈k/2⌉ rows of 32-bit words (a bf16 pair of K steps per
// column), ldb words apart. dgemm: a holds ⌈k/2⌉ steps of MR words (bf16 pairs), b as for bgemm.

#define KK    CX  // k steps left (remainder loop)
#define K4    R11 // unrolled iterations left
#define APTR  SI  // packed A, advances MR floats per step
#define BPTR  DI  // packed B, advances ldb floats per step
#define LDB   R8  // ldb in bytes
#define LDB3  R9  // 3·ldb in bytes
#define CPTR  R10 // current row of C
#define LDC   DX  // ldc in bytes
#define FLAG  AX  // acc argument
#define BIAS  BX  // bias pointer
#define CTILE R12 // current tile of C
#define NT    R13 // tiles left
`

func main() {
	out := flag.String("out", "kernel_amd64.s", "output file")
	flag.Parse()
	var b bytes.Buffer
	b.WriteString(header)
	for _, k := range kernels {
		gen(&b, k)
	}
	for _, nv := range amxNV {
		genAMX(&b, nv)
	}
	if err := os.WriteFile(*out, b.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}

// vdpbf16ps encodes VDPBF16PS zmm(dst), zmm(src1), zmm(src2) (Intel operand order: dst += the pair
// products of src1 and src2): EVEX.512.F3.0F38.W0 52 /r, register form.
func vdpbf16ps(dst, src1, src2 int) string {
	inv := func(bit int) byte { return byte(^bit & 1) }
	p0 := inv(dst>>3)<<7 | inv(src2>>4)<<6 | inv(src2>>3)<<5 | inv(dst>>4)<<4 | 0x2 // R X B R' 0 0 m=10 (0F38)
	p1 := byte(^src1&0xF)<<3 | 1<<2 | 0x2                                           // W=0 vvvv 1 pp=10 (F3)
	p2 := byte(1<<6) | inv(src1>>4)<<3                                              // z=0 L'L=10 b=0 V' aaa=0
	modrm := byte(0xC0) | byte(dst&7)<<3 | byte(src2&7)
	bs := []byte{0x62, p0, p1, p2, 0x52, modrm}
	parts := make([]string, len(bs))
	for i, x := range bs {
		parts[i] = fmt.Sprintf("BYTE $0x%02x", x)
	}
	return fmt.Sprintf("%s // VDPBF16PS Z%d, Z%d, Z%d", strings.Join(parts, "; "), src2, src1, dst)
}

func gen(w *bytes.Buffer, k kern) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	p("")
	p("// func %s(k int, a, b *T, ldb int, c *float32, ldc int, bias *float32, acc, n int)", k.name)
	p("// %s", k.doc)
	p("TEXT ·%s(SB), NOSPLIT, $0-72", k.name)
	p("\tMOVQ a+8(FP), APTR")
	p("\tMOVQ ldb+24(FP), LDB")
	p("\tSHLQ $2, LDB")
	p("\tLEAQ (LDB)(LDB*2), LDB3")
	p("\tMOVQ ldc+40(FP), LDC")
	p("\tSHLQ $2, LDC")
	p("\tMOVQ c+32(FP), CTILE")
	p("\tMOVQ n+64(FP), NT")
	p("")
	p("%s_tile:", k.name)
	p("\tMOVQ k+0(FP), KK")
	p("\tMOVQ b+16(FP), BPTR")
	for i := 0; i < k.mr; i++ {
		for v := 0; v < k.nv; v++ {
			r := k.acc(i, v)
			p("\t%s %s, %s, %s", k.zero, r, r, r)
		}
	}
	switch k.mode {
	case f32:
		genF32Loop(p, k)
	case widen:
		genWidenLoop(p, k)
	case dot:
		genDotLoop(p, k)
	}
	genStore(p, k)
}

// voff is the byte offset of vector v inside a row of the B panel, as an assembler prefix.
func (k kern) voff(v int) string {
	if v == 0 {
		return ""
	}
	return fmt.Sprint(v * k.vbytes())
}

// fmas broadcasts A(step) of each row from aoff(i) and multiplies it into the B row registers.
func fmas(p func(string, ...any), k kern, a *int, aoff func(i int) int) {
	for i := 0; i < k.mr; i++ {
		ar := k.areg(*a)
		*a++
		p("\tVBROADCASTSS %d(APTR), %s", aoff(i), ar)
		for v := 0; v < k.nv; v++ {
			p("\tVFMADD231PS %s, %s, %s", k.breg(v), ar, k.acc(i, v))
		}
	}
}

// boff lists the rows of the B panel that one unrolled iteration reads: row u at BPTR + u·LDB.
var boff = []string{"(BPTR)", "(BPTR)(LDB*1)", "(BPTR)(LDB*2)", "(BPTR)(LDB3*1)"}

func genF32Loop(p func(string, ...any), k kern) {
	a := 0
	step := func(u int, bref string) {
		if k.wide {
			for i := 0; i < k.mr; i++ {
				p("\tVBROADCASTSS %d(APTR), %s", 4*(u*k.mr+i), k.areg(i))
			}
			for v := 0; v < k.nv; v++ {
				p("\tVMOVUPS %s%s, %s", k.voff(v), bref, k.breg(v))
				for i := 0; i < k.mr; i++ {
					p("\tVFMADD231PS %s, %s, %s", k.breg(v), k.areg(i), k.acc(i, v))
				}
			}
			return
		}
		for v := 0; v < k.nv; v++ {
			p("\tVMOVUPS %s%s, %s", k.voff(v), bref, k.breg(v))
		}
		fmas(p, k, &a, func(i int) int { return 4 * (u*k.mr + i) })
	}
	genUnrolled4(p, k, step)
}

// genUnrolled4 emits the k loop of the sgemm and dgemm kernels over KK steps (dgemm: K pairs), four
// per iteration, then the rest one by one; step(u, bref) emits step u of an iteration, whose B row is
// at bref.
func genUnrolled4(p func(string, ...any), k kern, step func(u int, bref string)) {
	p("\tMOVQ KK, K4")
	p("\tSHRQ $2, K4")
	p("\tANDQ $3, KK")
	p("\tTESTQ K4, K4")
	p("\tJZ %s_tail", k.name)
	p("")
	p("%s_loop4:", k.name)
	for u := 0; u < 4; u++ {
		step(u, boff[u])
	}
	p("\tADDQ $%d, APTR", 4*4*k.mr)
	p("\tLEAQ (BPTR)(LDB*4), BPTR")
	p("\tDECQ K4")
	p("\tJNZ %s_loop4", k.name)
	p("")
	p("%s_tail:", k.name)
	p("\tTESTQ KK, KK")
	p("\tJZ %s_store", k.name)
	p("")
	p("%s_loop1:", k.name)
	step(0, "(BPTR)")
	p("\tADDQ $%d, APTR", 4*k.mr)
	p("\tADDQ LDB, BPTR")
	p("\tDECQ KK")
	p("\tJNZ %s_loop1", k.name)
}

// genWidenLoop: two pairs (4 K steps) per iteration, then at most one pair and one single step.
func genWidenLoop(p func(string, ...any), k kern) {
	mask := k.mask()
	if k.reg == "Y" {
		p("\tVPCMPEQD %s, %s, %s", mask, mask, mask)
		p("\tVPSLLD $16, %s, %s", mask, mask)
	} else {
		p("\tMOVL $0xffff0000, AX")
		p("\tVPBROADCASTD AX, %s", mask)
	}
	a := 0
	// even loads B(2u, ·) (low halves) into the B registers; odd loads B(2u+1, ·).
	even := func(bref string) {
		for v := 0; v < k.nv; v++ {
			if k.reg == "Y" { // VEX shifts take no memory operand
				p("\tVMOVDQU %s%s, %s", k.voff(v), bref, k.breg(v))
				p("\tVPSLLD $16, %s, %s", k.breg(v), k.breg(v))
			} else {
				p("\tVPSLLD $16, %s%s, %s", k.voff(v), bref, k.breg(v))
			}
		}
	}
	odd := func(bref string) {
		and := "VPAND"
		if k.reg == "Z" {
			and = "VPANDD"
		}
		for v := 0; v < k.nv; v++ {
			p("\t%s %s%s, %s, %s", and, k.voff(v), bref, mask, k.breg(v))
		}
	}
	pair := func(u int, bref string) {
		even(bref)
		fmas(p, k, &a, func(i int) int { return 4 * (2*u*k.mr + i) })
		odd(bref)
		fmas(p, k, &a, func(i int) int { return 4 * ((2*u+1)*k.mr + i) })
	}
	p("\tMOVQ KK, K4")
	p("\tSHRQ $2, K4")
	p("\tANDQ $3, KK")
	p("\tTESTQ K4, K4")
	p("\tJZ %s_tail", k.name)
	p("")
	p("%s_loop4:", k.name)
	pair(0, boff[0])
	pair(1, boff[1])
	p("\tADDQ $%d, APTR", 4*4*k.mr)
	p("\tLEAQ (BPTR)(LDB*2), BPTR")
	p("\tDECQ K4")
	p("\tJNZ %s_loop4", k.name)
	p("")
	p("%s_tail:", k.name)
	p("\tTESTQ $2, KK")
	p("\tJZ %s_half", k.name)
	pair(0, "(BPTR)")
	p("\tADDQ $%d, APTR", 4*2*k.mr)
	p("\tADDQ LDB, BPTR")
	p("")
	p("%s_half:", k.name)
	p("\tTESTQ $1, KK")
	p("\tJZ %s_store", k.name)
	even("(BPTR)")
	fmas(p, k, &a, func(i int) int { return 4 * i })
	p("\tADDQ $%d, APTR", 4*k.mr)
}

// genDotLoop: ⌈k/2⌉ pairs, four per iteration.
func genDotLoop(p func(string, ...any), k kern) {
	p("\tADDQ $1, KK")
	p("\tSHRQ $1, KK")
	a := 0
	pair := func(u int, bref string) {
		for v := 0; v < k.nv; v++ {
			p("\tVMOVDQU32 %s%s, %s", k.voff(v), bref, k.breg(v))
		}
		for i := 0; i < k.mr; i++ {
			an := k.aregN(a)
			a++
			p("\tVPBROADCASTD %d(APTR), Z%d", 4*(u*k.mr+i), an)
			for v := 0; v < k.nv; v++ {
				p("\t%s", vdpbf16ps(i*k.nv+v, k.bregN(v), an))
			}
		}
	}
	genUnrolled4(p, k, pair)
}

func genStore(p func(string, ...any), k kern) {
	p("")
	p("%s_store:", k.name)
	p("\tMOVQ acc+56(FP), FLAG")
	p("\tTESTQ FLAG, FLAG")
	p("\tJZ %s_bias", k.name)
	p("\tMOVQ CTILE, CPTR")
	for i := 0; i < k.mr; i++ {
		for v := 0; v < k.nv; v++ {
			p("\tVADDPS %d(CPTR), %s, %s", v*k.vbytes(), k.acc(i, v), k.acc(i, v))
		}
		if i < k.mr-1 {
			p("\tADDQ LDC, CPTR")
		}
	}
	p("")
	p("%s_bias:", k.name)
	p("\tMOVQ bias+48(FP), BIAS")
	p("\tTESTQ BIAS, BIAS")
	p("\tJZ %s_write", k.name)
	if k.wide { // one bias vector at a time, in the B temporaries
		for v := 0; v < k.nv; v++ {
			p("\tVMOVUPS %d(BIAS), %s", v*k.vbytes(), k.breg(v))
			for i := 0; i < k.mr; i++ {
				p("\tVADDPS %s, %s, %s", k.breg(v), k.acc(i, v), k.acc(i, v))
			}
		}
	} else {
		for v := 0; v < k.nv; v++ {
			p("\tVMOVUPS %d(BIAS), %s", v*k.vbytes(), k.breg(v))
		}
		for i := 0; i < k.mr; i++ {
			for v := 0; v < k.nv; v++ {
				p("\tVADDPS %s, %s, %s", k.breg(v), k.acc(i, v), k.acc(i, v))
			}
		}
	}
	p("")
	p("%s_write:", k.name)
	p("\tMOVQ CTILE, CPTR")
	for i := 0; i < k.mr; i++ {
		for v := 0; v < k.nv; v++ {
			p("\tVMOVUPS %s, %d(CPTR)", k.acc(i, v), v*k.vbytes())
		}
		p("\tADDQ LDC, CPTR")
	}
	p("\tMOVQ CPTR, CTILE")
	p("\tDECQ NT")
	p("\tJZ %s_done", k.name)
	p("\tJMP %s_tile", k.name)
	p("")
	p("%s_done:", k.name)
	p("\tVZEROUPPER")
	p("\tRET")
}
