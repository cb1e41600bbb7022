package main

import (
	"bytes"
	"fmt"
	"strings"
)

// AMX-BF16 kernels. The Go assembler has no AMX mnemonics, so every tile instruction is emitted as
// VEX bytes by the encoders below (checked against GNU objdump by the package's
// TestAsmKernelsEmulated, which reads them back).
//
// Signature (one more argument than the register kernels: the tile configuration, built in Go):
//
//	func amxBF16x{16,32,48}(cfg *uint32, k int, a, b *uint32, ldb int, c *float32, ldc int, bias *float32, acc, n int)
//
// cfg is the 64-byte LDTILECFG palette-1 block for this k (amxConfig): tmm0–2 are the C tiles
// (16 rows × 16 float32), tmm3 the A tile of 16 K pairs (16 rows × 64 bytes), tmm4 a B tile of 16
// K-pair rows × 16 columns, tmm5/tmm6 the A and B tiles of the last t = ⌈k/2⌉ mod 16 K pairs
// (16 × 4t bytes, t × 64 bytes; unconfigured when t = 0).
//
// a holds n micro-panels of 16 rows, each ⌈k/2⌉·16 words: chunk c of 16 K pairs (the tail chunk: t)
// at 256c words, row r of a chunk of w pairs at +r·w words — so every A tile is one contiguous block
// (stride 64 bytes, 4t for the tail). b is the packed bf16 panel (⌈k/2⌉ rows of ldb words; the
// NV·16 columns of this tile), read as B tiles with stride ldb·4 bytes: exactly the VNNI pair layout
// TDPBF16PS takes as its second source. For each of the n micro-panels, C (16 rows, ldc floats
// apart) is loaded into the accumulator tiles (acc != 0) or zeroed, the K loop runs
// TDPBF16PS, the tiles are stored with TILESTORED, and the bias is added to the stored rows with
// AVX (while they are in L1). LDTILECFG at entry and TILERELEASE at exit: a goroutine holds no tile
// state between calls.

// Registers of the AMX kernels (the addressing registers of the BYTE-encoded instructions are
// numbered: AX 0, CX 1, DX 2, BX 3, SI 6, DI 7, R8–R15 8–15).
const (
	rAX, rCX, rDX, rBX, rSI, rDI, r8, r9, r10 = 0, 1, 2, 3, 6, 7, 8, 9, 10
)

// vex3 returns the three VEX prefix bytes C4, RXB.mmmmm (map 0F38), W.vvvv.L.pp.
func vex3(reg, index, base, vvvv int, pp byte) []byte {
	inv := func(bit int) byte { return byte(^bit & 1) }
	b1 := inv(reg>>3)<<7 | inv(index>>3)<<6 | inv(base>>3)<<5 | 0x02
	b2 := byte(^vvvv&0xF)<<3 | pp // W=0, L=0
	return []byte{0xC4, b1, b2}
}

// sibMem encodes ModRM+SIB(+disp) for [base + index*1 + disp] with reg in ModRM.reg.
func sibMem(reg, base, index, disp int) []byte {
	mod := byte(0)
	var d []byte
	switch {
	case disp == 0 && base&7 != 5:
	case disp >= -128 && disp <= 127:
		mod, d = 1, []byte{byte(int8(disp))}
	default:
		mod, d = 2, []byte{byte(disp), byte(disp >> 8), byte(disp >> 16), byte(disp >> 24)}
	}
	if index&15 == 4 {
		panic("asmgen: rsp cannot be an index")
	}
	out := []byte{mod<<6 | byte(reg&7)<<3 | 4, byte(index&7)<<3 | byte(base&7)}
	return append(out, d...)
}

func byteLine(bs []byte, comment string) string {
	parts := make([]string, len(bs))
	for i, x := range bs {
		parts[i] = fmt.Sprintf("BYTE $0x%02x", x)
	}
	return strings.Join(parts, "; ") + " // " + comment
}

var gpName = map[int]string{0: "AX", 1: "CX", 2: "DX", 3: "BX", 6: "SI", 7: "DI", 8: "R8", 9: "R9", 10: "R10", 11: "R11", 12: "R12", 13: "R13"}

// ldtilecfg encodes LDTILECFG (base): VEX.128.NP.0F38.W0 49 /0.
func ldtilecfg(base int) string {
	if base&7 == 4 || base&7 == 5 {
		panic("asmgen: ldtilecfg base needs a SIB or displacement")
	}
	bs := append(vex3(0, 0, base, 0, 0), 0x49, byte(base&7))
	return byteLine(bs, fmt.Sprintf("LDTILECFG (%s)", gpName[base]))
}

// tilerelease encodes TILERELEASE: VEX.128.NP.0F38.W0 49 C0.
func tilerelease() string {
	return byteLine(append(vex3(0, 0, 0, 0, 0), 0x49, 0xC0), "TILERELEASE")
}

// tilezero encodes TILEZERO tmm: VEX.128.F2.0F38.W0 49 11:rrr:000.
func tilezero(t int) string {
	return byteLine(append(vex3(0, 0, 0, 0, 3), 0x49, 0xC0|byte(t)<<3), fmt.Sprintf("TILEZERO TMM%d", t))
}

// tileloadd encodes TILELOADD tmm, [base + index*1 + disp]: VEX.128.F2.0F38.W0 4B /r (SIB); the
// index register holds the row stride in bytes.
func tileloadd(t, base, index, disp int) string {
	bs := append(vex3(t, index, base, 0, 3), 0x4B)
	bs = append(bs, sibMem(t, base, index, disp)...)
	return byteLine(bs, fmt.Sprintf("TILELOADD %d(%s)(%s*1), TMM%d", disp, gpName[base], gpName[index], t))
}

// tilestored encodes TILESTORED [base + index*1 + disp], tmm: VEX.128.F3.0F38.W0 4B /r (SIB).
func tilestored(t, base, index, disp int) string {
	bs := append(vex3(t, index, base, 0, 2), 0x4B)
	bs = append(bs, sibMem(t, base, index, disp)...)
	return byteLine(bs, fmt.Sprintf("TILESTORED TMM%d, %d(%s)(%s*1)", t, disp, gpName[base], gpName[index]))
}

// tdpbf16ps encodes TDPBF16PS dst, src1, src2 (dst += src1 (A: rows × K pairs) · src2 (B: K-pair
// rows × columns)): VEX.128.F3.0F38.W0 5C 11:dst:src1, vvvv = src2.
func tdpbf16ps(dst, src1, src2 int) string {
	bs := append(vex3(dst, 0, src1, src2, 2), 0x5C, 0xC0|byte(dst&7)<<3|byte(src1&7))
	return byteLine(bs, fmt.Sprintf("TDPBF16PS TMM%d, TMM%d, TMM%d", dst, src1, src2))
}

// amxNV lists the AMX kernels: 16 rows × 16·nv columns.
var amxNV = []int{1, 2, 3}

// genAMX emits amxBF16x{16·nv}.
func genAMX(w *bytes.Buffer, nv int) {
	name := fmt.Sprintf("amxBF16x%d", 16*nv)
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	const tA, tB, tAt, tBt = 3, 4, 5, 6
	p("")
	p("// func %s(cfg *uint32, k int, a, b *uint32, ldb int, c *float32, ldc int, bias *float32, acc, n int)", name)
	cTiles := "TMM0"
	if nv > 1 {
		cTiles = fmt.Sprintf("TMM0–TMM%d", nv-1)
	}
	p("// AMX-BF16, 16×%d tile: C in %s, A in TMM3 (tail TMM5), B in TMM4 (tail TMM6).", 16*nv, cTiles)
	p("// AX cfg/acc/bias, SI packed A, DI packed B, BX A stride (64; the bias loop's row), R8 B stride,")
	p("// R9 tail A stride (4t), R10 C tile, DX C stride, CX and R11 full chunks, R12 16 B rows, R13 tiles left.")
	p("TEXT ·%s(SB), NOSPLIT, $0-80", name)
	p("\tMOVQ cfg+0(FP), AX")
	p("\t%s", ldtilecfg(rAX))
	p("\tMOVQ k+8(FP), CX")
	p("\tADDQ $1, CX")
	p("\tSHRQ $1, CX") // K pairs
	p("\tMOVQ CX, R9")
	p("\tANDQ $15, R9")
	p("\tSHLQ $2, R9") // tail A stride: 4t bytes
	p("\tSHRQ $4, CX")
	p("\tMOVQ CX, R11") // full chunks of 16 pairs
	p("\tMOVQ a+16(FP), SI")
	p("\tMOVQ ldb+32(FP), R8")
	p("\tSHLQ $2, R8")
	p("\tMOVQ R8, R12")
	p("\tSHLQ $4, R12")
	p("\tMOVQ ldc+48(FP), DX")
	p("\tSHLQ $2, DX")
	p("\tMOVQ c+40(FP), R10")
	p("\tMOVQ n+72(FP), R13")
	p("")
	p("%s_tile:", name)
	p("\tMOVQ $64, BX")
	p("\tMOVQ b+24(FP), DI")
	p("\tMOVQ acc+64(FP), AX")
	p("\tTESTQ AX, AX")
	p("\tJZ %s_zero", name)
	for v := 0; v < nv; v++ {
		p("\t%s", tileloadd(v, r10, rDX, 64*v))
	}
	p("\tJMP %s_k", name)
	p("")
	p("%s_zero:", name)
	for v := 0; v < nv; v++ {
		p("\t%s", tilezero(v))
	}
	p("")
	p("%s_k:", name)
	p("\tMOVQ R11, CX")
	p("\tTESTQ CX, CX")
	p("\tJZ %s_tail", name)
	p("")
	p("%s_loop:", name)
	p("\t%s", tileloadd(tA, rSI, rBX, 0))
	for v := 0; v < nv; v++ {
		p("\t%s", tileloadd(tB, rDI, r8, 64*v))
		p("\t%s", tdpbf16ps(v, tA, tB))
	}
	p("\tADDQ $1024, SI")
	p("\tADDQ R12, DI")
	p("\tDECQ CX")
	p("\tJNZ %s_loop", name)
	p("")
	p("%s_tail:", name)
	p("\tTESTQ R9, R9")
	p("\tJZ %s_store", name)
	p("\t%s", tileloadd(tAt, rSI, r9, 0))
	for v := 0; v < nv; v++ {
		p("\t%s", tileloadd(tBt, rDI, r8, 64*v))
		p("\t%s", tdpbf16ps(v, tAt, tBt))
	}
	p("\tLEAQ (SI)(R9*8), SI")
	p("\tLEAQ (SI)(R9*8), SI") // 16 rows of 4t bytes
	p("")
	p("%s_store:", name)
	for v := 0; v < nv; v++ {
		p("\t%s", tilestored(v, r10, rDX, 64*v))
	}
	p("\tMOVQ bias+56(FP), AX")
	p("\tTESTQ AX, AX")
	p("\tJZ %s_next", name)
	for v := 0; v < 2*nv; v++ {
		p("\tVMOVUPS %d(AX), Y%d", 32*v, v)
	}
	p("\tMOVQ R10, BX")
	p("\tMOVQ $16, CX")
	p("")
	p("%s_bias:", name)
	for v := 0; v < 2*nv; v++ {
		p("\tVADDPS %d(BX), Y%d, Y8", 32*v, v)
		p("\tVMOVUPS Y8, %d(BX)", 32*v)
	}
	p("\tADDQ DX, BX")
	p("\tDECQ CX")
	p("\tJNZ %s_bias", name)
	p("")
	p("%s_next:", name)
	p("\tLEAQ (R10)(DX*8), R10")
	p("\tLEAQ (R10)(DX*8), R10") // 16 rows down
	p("\tDECQ R13")
	p("\tJNZ %s_tile", name)
	p("\t%s", tilerelease())
	p("\tVZEROUPPER")
	p("\tRET")
}
