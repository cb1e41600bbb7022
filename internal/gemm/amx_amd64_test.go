//go:build !purego

package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/cpu"
)

// tileState is the AMX state of the interpreter (machine): the configuration LDTILECFG loaded
// (palette 1: rows and bytes per row of each of the eight tiles) and the tile registers (16 rows of
// 16 32-bit words; a tile's bytes past its configuration read as zero, as on the hardware).
type tileState struct {
	configured bool
	rows       [8]int
	colsb      [8]int
	t          [8][16][16]uint32
}

// tmm parses "tmmN".
func tmm(o operand) (int, error) {
	n, err := strconv.Atoi(strings.TrimPrefix(o.reg, "tmm"))
	if !strings.HasPrefix(o.reg, "tmm") || err != nil || n < 0 || n > 7 {
		return 0, fmt.Errorf("not a tile register: %q", o.reg)
	}
	return n, nil
}

// word reads or writes the 32-bit word at address a, which must lie inside the buffers.
func (m *machine) word(a uint64) (*uint32, error) {
	f, err := m.float(a)
	if err != nil {
		return nil, err
	}
	return (*uint32)(unsafe.Pointer(f)), nil
}

// tileOp interprets the AMX instructions, as the Intel SDM defines them (palette 1): LDTILECFG,
// TILERELEASE, TILEZERO, TILELOADD, TILESTORED, TDPBF16PS. It reports whether in is one of them. Every
// operand shape the SDM requires is checked (a violation raises #UD on the hardware).
func (m *machine) tileOp(in inst) (bool, error) {
	ts := &m.tiles
	a := in.args
	need := func(n int) error {
		if len(a) != n {
			return fmt.Errorf("%d operands, want %d", len(a), n)
		}
		if !ts.configured && in.op != "ldtilecfg" {
			return fmt.Errorf("tile instruction before LDTILECFG")
		}
		return nil
	}
	switch in.op {
	case "ldtilecfg":
		if err := need(1); err != nil {
			return true, err
		}
		var b [64]byte
		base := m.ea(a[0])
		for i := 0; i < 16; i++ {
			w, err := m.word(base + 4*uint64(i))
			if err != nil {
				return true, err
			}
			b[4*i], b[4*i+1], b[4*i+2], b[4*i+3] = byte(*w), byte(*w>>8), byte(*w>>16), byte(*w>>24)
		}
		if b[0] != 1 || b[1] != 0 {
			return true, fmt.Errorf("palette %d, start row %d: want 1, 0", b[0], b[1])
		}
		for i := 2; i < 16; i++ {
			if b[i] != 0 {
				return true, fmt.Errorf("reserved byte %d = %d", i, b[i])
			}
		}
		for t := 0; t < 16; t++ {
			colsb, rows := int(b[16+2*t])|int(b[17+2*t])<<8, int(b[48+t])
			if t >= 8 {
				if colsb != 0 || rows != 0 {
					return true, fmt.Errorf("tile %d configured: palette 1 has 8", t)
				}
				continue
			}
			if rows > 16 || colsb > 64 || (rows == 0) != (colsb == 0) {
				return true, fmt.Errorf("tmm%d: %d rows × %d bytes", t, rows, colsb)
			}
			ts.rows[t], ts.colsb[t] = rows, colsb
		}
		ts.t = [8][16][16]uint32{} // LDTILECFG zeroes the tiles
		ts.configured = true
	case "tilerelease":
		if err := need(0); err != nil {
			return true, err
		}
		*ts = tileState{}
	case "tilezero":
		if err := need(1); err != nil {
			return true, err
		}
		t, err := tmm(a[0])
		if err != nil {
			return true, err
		}
		ts.t[t] = [16][16]uint32{}
	case "tileloadd", "tilestored":
		if err := need(2); err != nil {
			return true, err
		}
		reg, mem := a[0], a[1]
		if in.op == "tilestored" {
			reg, mem = a[1], a[0]
		}
		t, err := tmm(reg)
		if err != nil {
			return true, err
		}
		if mem.index == "" || mem.scale != 1 {
			return true, fmt.Errorf("memory operand without a stride register")
		}
		if ts.rows[t] == 0 {
			return true, fmt.Errorf("tmm%d is not configured", t)
		}
		base, stride := m.ea(operand{base: mem.base, disp: mem.disp}), m.gp[mem.index]
		for r := 0; r < ts.rows[t]; r++ {
			for c := 0; c < ts.colsb[t]/4; c++ {
				w, err := m.word(base + uint64(r)*stride + 4*uint64(c))
				if err != nil {
					return true, fmt.Errorf("tmm%d row %d: %v", t, r, err)
				}
				if in.op == "tileloadd" {
					ts.t[t][r][c] = *w
				} else {
					*w = ts.t[t][r][c]
				}
			}
			if in.op == "tileloadd" {
				clear(ts.t[t][r][ts.colsb[t]/4:])
			}
		}
		if in.op == "tileloadd" {
			for r := ts.rows[t]; r < 16; r++ {
				ts.t[t][r] = [16]uint32{}
			}
		}
	case "tdpbf16ps": // dst += src1 (rows × K pairs) · src2 (K-pair rows × columns), per the SDM
		if err := need(3); err != nil {
			return true, err
		}
		var r [3]int
		for i := range r {
			t, err := tmm(a[i])
			if err != nil {
				return true, err
			}
			r[i] = t
		}
		d, x, y := r[0], r[1], r[2]
		if d == x || d == y || x == y {
			return true, fmt.Errorf("tile operands must differ: tmm%d, tmm%d, tmm%d", d, x, y)
		}
		if ts.rows[d] == 0 || ts.rows[x] == 0 || ts.rows[y] == 0 || ts.rows[d] != ts.rows[x] ||
			ts.colsb[d] != ts.colsb[y] || ts.colsb[x]/4 != ts.rows[y] || ts.colsb[x]%4 != 0 {
			return true, fmt.Errorf("shapes: dst %d×%d, src1 %d×%d, src2 %d×%d bytes", ts.rows[d], ts.colsb[d],
				ts.rows[x], ts.colsb[x], ts.rows[y], ts.colsb[y])
		}
		for i := 0; i < ts.rows[d]; i++ {
			row := ts.t[d][i]
			for k := 0; k < ts.colsb[x]/4; k++ {
				for j := 0; j < ts.colsb[d]/4; j++ {
					acc := math.Float32frombits(row[j])
					row[j] = math.Float32bits(amxDot(acc, ts.t[x][i][k], ts.t[y][k][j]))
				}
			}
			ts.t[d][i] = row
		}
	default:
		return false, nil
	}
	return true, nil
}

// amxAsmKernels are the AMX kernels with their widths.
var amxAsmKernels = []struct {
	name string
	fn   func(cfg *uint32, k int, a, b *uint32, ldb int, c *float32, ldc int, bias *float32, acc, n int)
	tile tileFuncD // its wrapper, as the kernel list holds it
	nv   int
}{
	{"amxBF16x16", amxBF16x16, amxTile16, 1},
	{"amxBF16x32", amxBF16x32, amxTile32, 2},
	{"amxBF16x48", amxBF16x48, amxTile48, 3},
}

// TestAMXKernelsEmulated checks the AMX kernels' machine code on any x86 CPU, as
// TestAsmKernelsEmulated does the others: objdump must decode the BYTE-encoded tile instructions
// (LDTILECFG, TILELOADD, TDPBF16PS, TILESTORED, TILERELEASE, TILEZERO) and the interpreter runs them
// (tileOp) on A packed by packA16AMX and B packed by PackBF16's panel packer, for K odd, below,
// at and past the 32-step tile depth, edge widths and several micro-panels. C must equal the Go
// stand-in (amxTileGo: same order, same TDPBF16PS numerics) bit for bit, and a float64 product of
// the same bf16 values within float32 summation error; no access may leave the buffers, columns
// past the tile stay untouched, and the tiles must be released before RET. On a CPU with AMX the
// native kernel is compared too.
func TestAMXKernelsEmulated(t *testing.T) {
	objdump, err := exec.LookPath("objdump")
	if err != nil {
		t.Skip("GNU objdump not found")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	ok, why := AMXStatus()
	t.Logf("AMX here: %v %s", ok, why)
	rng := rand.New(rand.NewPCG(13, 14))
	for _, ak := range amxAsmKernels {
		t.Run(ak.name, func(t *testing.T) {
			prog, err := disassemble(objdump, exe, ak.fn)
			if err != nil {
				t.Skipf("cannot disassemble %s: %v", ak.name, err)
			}
			seen := map[string]bool{}
			for _, in := range prog.insts {
				seen[in.op] = true
				if strings.HasPrefix(in.op, "unparsed") || in.op == "(bad)" {
					t.Fatalf("objdump could not decode %x: %s", in.addr, in.op)
				}
			}
			for _, op := range []string{"ldtilecfg", "tileloadd", "tdpbf16ps", "tilestored", "tilerelease", "tilezero"} {
				if !seen[op] {
					t.Fatalf("objdump shows no %s in %s", op, ak.name)
				}
			}
			for _, k := range []int{1, 2, 3, 7, 31, 32, 33, 34, 63, 64, 65, 97, 256} {
				for _, acc := range []int{0, 1} {
					for _, withBias := range []bool{false, true} {
						for _, n := range []int{1, 3} {
							checkAMXEmulated(t, prog, ak.tile, ak.nv, k, acc, n, withBias, ok, rng)
						}
					}
				}
			}
			t.Logf("%d instructions; native check: %v", len(prog.insts), ok)
		})
	}
}

// randBF16 returns n random floats that are bfloat16 values.
func randBF16(rng *rand.Rand, n int) []float32 {
	f := make([]float32, n)
	for i := range f {
		f[i] = RoundBF16(float32(rng.NormFloat64()))
	}
	return f
}

func checkAMXEmulated(t *testing.T, prog *program, native tileFuncD, nv, k, acc, n int, withBias, runNative bool, rng *rand.Rand) {
	t.Helper()
	w := 16 * nv
	rows := amxRows * n
	kp := (k + 1) / 2
	af := randBF16(rng, rows*k) // A[i, p] at i*k+p
	wf := randBF16(rng, w*k)    // W[j, p]: B = Wᵀ
	ap := make([]uint32, rows*kp)
	packA16AMX(ap, af, k, rows, k, k, 0, n)
	bp := make([]uint32, panelsLen(w, kp))
	packBT16(bp, wf, k, w, k)
	bias := randFloats(rng, w)
	ldc := w + 3
	c0 := randFloats(rng, rows*ldc)
	for i := range c0 {
		if i%ldc >= w {
			c0[i] = sentinel
		}
	}
	var cfg [16]uint32
	amxConfig(&cfg, k)
	cEmu := append([]float32(nil), c0...)
	m := &machine{regions: []region{{w: cfg[:]}, {w: ap}, {w: bp}, {f: bias}, {f: cEmu}}}
	biasAddr := uint64(0)
	var biasPtr *float32
	if withBias {
		biasAddr, biasPtr = addr(bias), &bias[0]
	}
	m.args = []uint64{region{w: cfg[:]}.addr(), uint64(k), region{w: ap}.addr(), region{w: bp}.addr(), panelWidth,
		addr(cEmu), uint64(ldc), biasAddr, uint64(acc), uint64(n)}
	what := fmt.Sprintf("k=%d acc=%d n=%d bias=%v", k, acc, n, withBias)
	if err := m.run(prog); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	cGo := append([]float32(nil), c0...)
	amxTileGo(nv)(k, &ap[0], &bp[0], panelWidth, &cGo[0], ldc, biasPtr, acc, n)
	for i := 0; i < rows; i++ {
		for j := 0; j < ldc; j++ {
			got := cEmu[i*ldc+j]
			if j >= w {
				if got != sentinel {
					t.Fatalf("%s: wrote C[%d,%d] outside the tile", what, i, j)
				}
				continue
			}
			if math.Float32bits(got) != math.Float32bits(cGo[i*ldc+j]) {
				t.Fatalf("%s: emulated C[%d,%d] = %v, Go stand-in %v", what, i, j, got, cGo[i*ldc+j])
			}
			var want, mag float64
			for p := 0; p < k; p++ {
				x := float64(af[i*k+p]) * float64(wf[j*k+p])
				want += x
				mag += math.Abs(x)
			}
			if acc != 0 {
				want += float64(c0[i*ldc+j])
				mag += math.Abs(float64(c0[i*ldc+j]))
			}
			if withBias {
				want += float64(bias[j])
				mag += math.Abs(float64(bias[j]))
			}
			if d := math.Abs(float64(got) - want); d > float64(k+4)*0x1p-24*mag+1e-30 {
				t.Fatalf("%s: emulated C[%d,%d] = %v, want %v (±%.3g)", what, i, j, got, want, float64(k+4)*0x1p-24*mag)
			}
		}
	}
	if runNative {
		cNat := append([]float32(nil), c0...)
		native(k, &ap[0], &bp[0], panelWidth, &cNat[0], ldc, biasPtr, acc, n)
		for i := range cNat {
			if d := math.Abs(float64(cNat[i] - cEmu[i])); d > float64(k+4)*0x1p-24*(math.Abs(float64(cNat[i]))+float64(k)) {
				t.Fatalf("%s: native C[%d] = %v, emulated %v", what, i, cNat[i], cEmu[i])
			}
		}
	}
}

// TestAMXLinearEmulated runs whole Linear products through the driver with the AMX kernels' machine
// code interpreted as the tiles (the amx kernel's blocking: 16×48, kc 256, A packed by packA16AMX),
// so that edge tiles (m and n not multiples of 16 or 48, through the driver's scratch tile), odd k, K
// tails inside and across K-blocks, bias and a residual accumulated into C are checked against the
// float64 product of the bf16-rounded operands, on a CPU without AMX. Every tile call may touch only
// the footprint its arguments define.
func TestAMXLinearEmulated(t *testing.T) {
	objdump, err := exec.LookPath("objdump")
	if err != nil {
		t.Skip("GNU objdump not found")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	interp := &kernel{name: "interpreted-amx", mr: amxRows, nr: panelWidth, vw: 16, kc: 256, amxA: true, f32: genericKernel}
	for _, ak := range amxAsmKernels {
		prog, err := disassemble(objdump, exe, ak.fn)
		if err != nil {
			t.Skipf("cannot disassemble %s: %v", ak.name, err)
		}
		w := 16 * ak.nv
		var fail error
		interp.dtiles = append(interp.dtiles, func(k int, a, b *uint32, ldb int, c *float32, ldc int, bias *float32, acc, n int) {
			kp := (k + 1) / 2
			var cfg [16]uint32
			amxConfig(&cfg, k)
			regs := []region{{w: cfg[:]}, {w: unsafe.Slice(a, n*amxRows*kp)}, {w: unsafe.Slice(b, (kp-1)*ldb+w)},
				{f: unsafe.Slice(c, (amxRows*n-1)*ldc+w)}}
			biasAddr := uint64(0)
			if bias != nil {
				regs = append(regs, region{f: unsafe.Slice(bias, w)})
				biasAddr = uint64(uintptr(unsafe.Pointer(bias)))
			}
			m := &machine{regions: regs, args: []uint64{regs[0].addr(), uint64(k), regs[1].addr(), regs[2].addr(),
				uint64(ldb), regs[3].addr(), uint64(ldc), biasAddr, uint64(acc), uint64(n)}}
			if err := m.run(prog); err != nil && fail == nil {
				fail = fmt.Errorf("%s k=%d n=%d acc=%d: %v", ak.name, k, n, acc, err)
			}
		})
		defer func() {
			if fail != nil {
				t.Error(fail)
			}
		}()
	}
	prev := current.Swap(interp)
	defer current.Store(prev)
	rng := rand.New(rand.NewPCG(15, 16))
	for _, sh := range []shape{{1, 1, 1}, {16, 48, 32}, {17, 50, 33}, {5, 17, 3}, {40, 100, 300}, {33, 96, 513}, {48, 20, 256}} {
		for _, residual := range []bool{false, true} {
			m, n, k := sh.m, sh.n, sh.k
			a := newMatrix(rng, m, k, k+1, 1, true)
			wm := newMatrix(rng, n, k, k, 0, true)
			bias := randFloats(rng, n)
			c := newMatrix(rng, m, n, n+2, 1, true)
			c0 := append([]float32(nil), c.data...)
			ep := Epilogue{}
			if residual {
				ep = Epilogue{Res: c.data, LdRes: c.ld}
			}
			LinearEpilogue(nil, c.data, c.ld, a.data, a.ld, m, PackBF16(wm.data, n, k), bias, ep)
			ar := newMatrix(nil, m, k, k, 0, false)
			for i := 0; i < m; i++ {
				for p := 0; p < k; p++ {
					ar.data[i*k+p] = RoundBF16(a.at(i, p))
				}
			}
			ref, mag := reference(m, n, k, ar, func(p, j int) float32 { return RoundBF16(wm.at(j, p)) }, bias)
			if residual {
				for i := 0; i < m; i++ {
					for j := 0; j < n; j++ {
						ref[i*n+j] += float64(c0[i*c.ld+j])
						mag[i*n+j] += math.Abs(float64(c0[i*c.ld+j]))
					}
				}
			}
			compare(t, fmt.Sprintf("m%d n%d k%d residual=%v", m, n, k, residual), c, ref, mag, k)
		}
	}
}

// TestXGETBV checks the XCR0 read the AMX probe relies on, on the bits every AVX machine has: the OS
// saves the SSE and AVX state (bits 1 and 2).
func TestXGETBV(t *testing.T) {
	if !cpu.X86.HasOSXSAVE || !cpu.X86.HasAVX {
		t.Skip("no OSXSAVE or AVX")
	}
	if x := xgetbv0(); x&6 != 6 {
		t.Errorf("XCR0 = %#x: SSE and AVX state bits not set on a CPU with AVX", x)
	} else {
		t.Logf("XCR0 = %#x (AMX tile state bits 17-18: %v)", x, x&(3<<17) == 3<<17)
	}
}
