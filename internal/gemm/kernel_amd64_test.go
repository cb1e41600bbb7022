//go:build !purego

package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// asmKernels lists every assembly micro-kernel with its tile shape.
var asmKernels = []struct {
	name   string
	fn     any // tileFunc, tileFuncW or tileFuncD
	mr, nr int
	isa    string // the kernel (Kernels) whose CPU runs it natively
}{
	{"sgemmAVX512x8x48", tileFunc(sgemmAVX512x8x48), 8, 48, "avx512"},
	{"sgemmAVX512x8x32", tileFunc(sgemmAVX512x8x32), 8, 32, "avx512"},
	{"sgemmAVX512x8x16", tileFunc(sgemmAVX512x8x16), 8, 16, "avx512"},
	{"sgemmAVX2x6x16", tileFunc(sgemmAVX2x6x16), 6, 16, "avx2"},
	{"sgemmAVX2x6x8", tileFunc(sgemmAVX2x6x8), 6, 8, "avx2"},
	{"sgemmAVX2x2x48", tileFunc(sgemmAVX2x2x48), 2, 48, "avx2"},
	{"sgemmAVX2x2x40", tileFunc(sgemmAVX2x2x40), 2, 40, "avx2"},
	{"sgemmAVX2x2x32", tileFunc(sgemmAVX2x2x32), 2, 32, "avx2"},
	{"sgemmAVX2x2x24", tileFunc(sgemmAVX2x2x24), 2, 24, "avx2"},
	{"sgemmAVX2x2x16", tileFunc(sgemmAVX2x2x16), 2, 16, "avx2"},
	{"sgemmAVX2x2x8", tileFunc(sgemmAVX2x2x8), 2, 8, "avx2"},
	{"bgemmAVX512x8x48", tileFuncW(bgemmAVX512x8x48), 8, 48, "avx512"},
	{"bgemmAVX512x8x32", tileFuncW(bgemmAVX512x8x32), 8, 32, "avx512"},
	{"bgemmAVX512x8x16", tileFuncW(bgemmAVX512x8x16), 8, 16, "avx512"},
	{"bgemmAVX2x6x16", tileFuncW(bgemmAVX2x6x16), 6, 16, "avx2"},
	{"bgemmAVX2x6x8", tileFuncW(bgemmAVX2x6x8), 6, 8, "avx2"},
	{"dgemmAVX512x8x48", tileFuncD(dgemmAVX512x8x48), 8, 48, "avx512bf16"},
	{"dgemmAVX512x8x32", tileFuncD(dgemmAVX512x8x32), 8, 32, "avx512bf16"},
	{"dgemmAVX512x8x16", tileFuncD(dgemmAVX512x8x16), 8, 16, "avx512bf16"},
}

// TestAsmKernelsEmulated checks the machine code of every assembly kernel, including the AVX-512
// ones on CPUs without AVX-512: GNU objdump disassembles the kernel from this test binary and a small
// interpreter of the few instructions the kernels use runs it on random panels. Every memory access
// must fall inside the buffers passed in, and C must match a float64 reference. Where the CPU runs the
// kernel natively, the interpreter's result must also match the native one, which checks the
// interpreter itself (operand order, addressing) against the hardware.
func TestAsmKernelsEmulated(t *testing.T) {
	objdump, err := exec.LookPath("objdump")
	if err != nil {
		t.Skip("GNU objdump not found")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	native := map[string]bool{}
	for _, k := range all {
		native[k.name] = true
	}
	rng := rand.New(rand.NewPCG(11, 12))
	for _, ak := range asmKernels {
		t.Run(ak.name, func(t *testing.T) {
			prog, err := disassemble(objdump, exe, ak.fn)
			if err != nil {
				t.Skipf("cannot disassemble %s: %v", ak.name, err)
			}
			for _, k := range []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 16, 19} {
				for _, acc := range []int{0, 1} {
					for _, withBias := range []bool{false, true} {
						for _, n := range []int{1, 3} {
							checkEmulated(t, prog, ak.fn, ak.mr, ak.nr, k, acc, n, withBias, native[ak.isa], rng)
						}
					}
				}
			}
			t.Logf("%d instructions; native check: %v", len(prog.insts), native[ak.isa])
		})
	}
}

// randPairs returns n words of two random bf16 values; with oddLast, the high halves of the words
// in [n-last, n) are zero (the padding of an odd k).
func randPairs(rng *rand.Rand, n, last int, oddLast bool) []uint32 {
	w := make([]uint32, n)
	for i := range w {
		w[i] = bf16Pair(float32(rng.NormFloat64()), float32(rng.NormFloat64()))
		if oddLast && i >= n-last {
			w[i] &= 0xffff
		}
	}
	return w
}

func checkEmulated(t *testing.T, prog *program, fn any, mr, nr, k, acc, n int, withBias, native bool, rng *rand.Rand) {
	t.Helper()
	const ldb = panelWidth
	ldc := nr + 3
	kp := (k + 1) / 2
	rows := mr * n // n tiles
	// A(s, r) for row r of C (micro-panel r/mr) and B(s, j) as the kernel must read them, and the
	// argument buffers.
	var aAt, bAt func(s, i int) float64
	var aArg, bArg region
	switch fn.(type) {
	case tileFunc:
		a := randFloats(rng, n*mr*k)
		b := randFloats(rng, (k-1)*ldb+nr)
		aArg, bArg = region{f: a}, region{f: b}
		aAt = func(s, r int) float64 { return float64(a[(r/mr)*mr*k+s*mr+r%mr]) }
		bAt = func(s, j int) float64 { return float64(b[s*ldb+j]) }
	case tileFuncW:
		a := randFloats(rng, n*mr*k)
		b := randPairs(rng, (kp-1)*ldb+nr, 0, false) // the kernel must ignore the high halves past k
		aArg, bArg = region{f: a}, region{w: b}
		aAt = func(s, r int) float64 { return float64(a[(r/mr)*mr*k+s*mr+r%mr]) }
		bAt = func(s, j int) float64 { return pairAt(b[(s/2)*ldb+j], s) }
	case tileFuncD:
		var a []uint32
		for range n {
			a = append(a, randPairs(rng, mr*kp, mr, k%2 == 1)...)
		}
		b := randPairs(rng, (kp-1)*ldb+nr, ldb, k%2 == 1)
		aArg, bArg = region{w: a}, region{w: b}
		aAt = func(s, r int) float64 { return pairAt(a[(r/mr)*mr*kp+(s/2)*mr+r%mr], s) }
		bAt = func(s, j int) float64 { return pairAt(b[(s/2)*ldb+j], s) }
	}
	bias := randFloats(rng, nr)
	c0 := randFloats(rng, rows*ldc)
	for i := range c0 {
		if i%ldc >= nr {
			c0[i] = sentinel
		}
	}
	cEmu := append([]float32(nil), c0...)
	m := &machine{regions: []region{aArg, bArg, {f: bias}, {f: cEmu}}}
	biasAddr := uint64(0)
	if withBias {
		biasAddr = addr(bias)
	}
	m.args = []uint64{uint64(k), aArg.addr(), bArg.addr(), ldb, addr(cEmu), uint64(ldc), biasAddr, uint64(acc), uint64(n)}
	what := fmt.Sprintf("k=%d acc=%d n=%d bias=%v", k, acc, n, withBias)
	if err := m.run(prog); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	for i := 0; i < rows; i++ {
		for j := 0; j < ldc; j++ {
			got := cEmu[i*ldc+j]
			if j >= nr {
				if got != sentinel {
					t.Fatalf("%s: wrote C[%d,%d] outside the tile", what, i, j)
				}
				continue
			}
			var want, mag float64
			for s := 0; s < k; s++ {
				p := aAt(s, i) * bAt(s, j)
				want += p
				mag += math.Abs(p)
			}
			if acc != 0 {
				want += float64(c0[i*ldc+j])
				mag += math.Abs(float64(c0[i*ldc+j]))
			}
			if withBias {
				want += float64(bias[j])
				mag += math.Abs(float64(bias[j]))
			}
			if d := math.Abs(float64(got) - want); d > 1e-6*mag+1e-30 {
				t.Fatalf("%s: emulated C[%d,%d] = %v, want %v", what, i, j, got, want)
			}
		}
	}
	if native {
		cNat := append([]float32(nil), c0...)
		var bp *float32
		if withBias {
			bp = &bias[0]
		}
		switch f := fn.(type) {
		case tileFunc:
			f(k, &aArg.f[0], &bArg.f[0], ldb, &cNat[0], ldc, bp, acc, n)
		case tileFuncW:
			f(k, &aArg.f[0], &bArg.w[0], ldb, &cNat[0], ldc, bp, acc, n)
		case tileFuncD:
			f(k, &aArg.w[0], &bArg.w[0], ldb, &cNat[0], ldc, bp, acc, n)
		}
		for i := range cNat {
			if d := math.Abs(float64(cNat[i] - cEmu[i])); d > 1e-6*math.Abs(float64(cNat[i])) {
				t.Fatalf("%s: native C[%d] = %v, emulated %v", what, i, cNat[i], cEmu[i])
			}
		}
	}
}

// pairAt is the bf16 of K step s in a word of K pairs.
func pairAt(w uint32, s int) float64 {
	if s%2 == 0 {
		return float64(bf16Lo(w))
	}
	return float64(bf16Hi(w))
}

// disassemble returns the body of an assembly function. Test binaries carry no symbol table, so it
// goes by address: fn's value is the ABIInternal wrapper, whose first CALL enters the assembly
// (ABI0) body, which ends at its first RET.
func disassemble(objdump, exe string, fn any) (*program, error) {
	dis := func(start uint64, n int) (*program, error) {
		out, err := exec.Command(objdump, "-d", "--no-show-raw-insn", "-M", "intel",
			fmt.Sprintf("--start-address=%#x", start), fmt.Sprintf("--stop-address=%#x", start+uint64(n)), exe).Output()
		if err != nil {
			return nil, err
		}
		return parseObjdump(string(out))
	}
	wrapper, err := dis(uint64(reflect.ValueOf(fn).Pointer()), 512)
	if err != nil {
		return nil, err
	}
	var body uint64
	for _, in := range wrapper.insts {
		if in.op == "call" {
			body = in.target
			break
		}
	}
	if body == 0 {
		return nil, fmt.Errorf("no CALL in the wrapper (%d instructions)", len(wrapper.insts))
	}
	p, err := dis(body, 16384)
	if err != nil {
		return nil, err
	}
	for i, in := range p.insts {
		if in.op == "ret" {
			p.insts = p.insts[:i+1]
			return p, nil
		}
	}
	return nil, fmt.Errorf("no RET in the body")
}

func addr(s []float32) uint64 { return uint64(uintptr(unsafe.Pointer(&s[0]))) }

// operand is a register or a memory reference [base + index*scale + disp].
type operand struct {
	reg         string // "" for memory
	base, index string
	scale, disp int64
	imm         int64
	isImm       bool
}

type inst struct {
	addr   uint64
	op     string
	args   []operand
	target uint64 // jumps
}

type program struct {
	insts []inst
	at    map[uint64]int
}

// parseObjdump reads `objdump -d --no-show-raw-insn -M intel` output of one function.
func parseObjdump(out string) (*program, error) {
	p := &program{at: map[uint64]int{}}
	for _, line := range strings.Split(out, "\n") {
		addrPart, rest, ok := strings.Cut(line, ":\t")
		if !ok {
			continue
		}
		a, err := strconv.ParseUint(strings.TrimSpace(addrPart), 16, 64)
		if err != nil {
			continue
		}
		if i := strings.IndexAny(rest, "<#"); i >= 0 {
			rest = rest[:i] // symbol or RIP-relative address comments
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			continue
		}
		in := inst{addr: a, op: fields[0]}
		if len(fields) > 1 {
			ops := strings.Join(fields[1:], " ")
			if strings.HasPrefix(in.op, "j") || in.op == "call" {
				t, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimSpace(ops), "0x"), 16, 64)
				if err != nil {
					in.op = "unparsed " + rest // indirect jump: fails if executed
				}
				in.target = t
			} else {
				for _, o := range strings.Split(ops, ",") {
					opd, err := parseOperand(strings.TrimSpace(o))
					if err != nil {
						in.op = "unparsed " + rest
					}
					in.args = append(in.args, opd)
				}
			}
		}
		p.at[a] = len(p.insts)
		p.insts = append(p.insts, in)
	}
	return p, nil
}

func parseOperand(s string) (operand, error) {
	if i := strings.Index(s, "["); i >= 0 {
		j := strings.Index(s, "]")
		if j < i {
			return operand{}, fmt.Errorf("bad operand %q", s)
		}
		o := operand{scale: 1}
		expr := strings.ReplaceAll(s[i+1:j], "-", "+-")
		for _, term := range strings.Split(expr, "+") {
			switch {
			case term == "":
			case strings.Contains(term, "*"):
				r, sc, _ := strings.Cut(term, "*")
				o.index = r
				o.scale, _ = strconv.ParseInt(sc, 10, 64)
			case strings.HasPrefix(term, "0x") || strings.HasPrefix(term, "-0x"):
				v, err := strconv.ParseInt(strings.Replace(term, "0x", "", 1), 16, 64)
				if err != nil {
					return o, fmt.Errorf("bad displacement in %q", s)
				}
				o.disp = v
			default:
				if o.base == "" {
					o.base = term
				} else {
					o.index = term
				}
			}
		}
		return o, nil
	}
	if strings.HasPrefix(s, "0x") {
		v, err := strconv.ParseUint(s[2:], 16, 64)
		return operand{imm: int64(v), isImm: true}, err
	}
	if v, err := strconv.ParseInt(s, 10, 64); err == nil { // "shr rcx,1" (the shift-by-one opcode)
		return operand{imm: v, isImm: true}, nil
	}
	if full, ok := gp64[s]; ok {
		s = full
	}
	return operand{reg: s}, nil
}

// gp64 maps the 32- and 8-bit names of the general registers the kernels use to the 64-bit ones
// (the kernels write them only through 64-bit or zero-extending 32-bit moves).
var gp64 = map[string]string{
	"eax": "rax", "ebx": "rbx", "ecx": "rcx", "edx": "rdx", "esi": "rsi", "edi": "rdi",
	"al": "rax", "bl": "rbx", "cl": "rcx", "dl": "rdx", "sil": "rsi", "dil": "rdi",
	"r8d": "r8", "r9d": "r9", "r10d": "r10", "r11d": "r11", "r11b": "r11",
}

// region is one buffer the kernel may access, at its real address: float32 or 32-bit words.
type region struct {
	f []float32
	w []uint32
}

func (r region) addr() uint64 {
	if r.w != nil {
		return uint64(uintptr(unsafe.Pointer(&r.w[0])))
	}
	return addr(r.f)
}

// at returns a pointer to the 4 bytes at address a, if they lie inside r.
func (r region) at(a uint64) (*float32, bool) {
	n := len(r.f) + len(r.w)
	if n == 0 {
		return nil, false
	}
	base := r.addr()
	if a < base || a >= base+4*uint64(n) || (a-base)%4 != 0 {
		return nil, false
	}
	if r.w != nil {
		return (*float32)(unsafe.Pointer(&r.w[(a-base)/4])), true
	}
	return &r.f[(a-base)/4], true
}

// machine is the interpreter state: general registers, vector registers (16 lanes), the zero flag,
// the stack arguments and the memory regions.
type machine struct {
	gp      map[string]uint64
	vec     [32][16]float32
	zf      bool
	args    []uint64
	regions []region
	tiles   tileState // AMX (amx_amd64_test.go)
}

func (m *machine) float(a uint64) (*float32, error) {
	for _, r := range m.regions {
		if p, ok := r.at(a); ok {
			return p, nil
		}
	}
	return nil, fmt.Errorf("access to %#x outside the buffers", a)
}

func (m *machine) ea(o operand) uint64 {
	a := uint64(o.disp)
	if o.base != "" {
		a += m.gp[o.base]
	}
	if o.index != "" {
		a += m.gp[o.index] * uint64(o.scale)
	}
	return a
}

func vecReg(name string) (idx, lanes int, ok bool) {
	for prefix, l := range map[string]int{"zmm": 16, "ymm": 8, "xmm": 4} {
		if strings.HasPrefix(name, prefix) {
			n, err := strconv.Atoi(name[3:])
			return n, l, err == nil
		}
	}
	return 0, 0, false
}

// vec reads the lanes of a vector operand (register or memory).
func (m *machine) vecVal(o operand, lanes int) ([16]float32, error) {
	if o.reg != "" {
		r, _, ok := vecReg(o.reg)
		if !ok {
			return [16]float32{}, fmt.Errorf("not a vector register: %s", o.reg)
		}
		return m.vec[r], nil
	}
	var v [16]float32
	a := m.ea(o)
	for l := 0; l < lanes; l++ {
		p, err := m.float(a + 4*uint64(l))
		if err != nil {
			return v, err
		}
		v[l] = *p
	}
	return v, nil
}

func (m *machine) setVec(name string, v [16]float32, lanes int) {
	r, _, _ := vecReg(name)
	for l := lanes; l < 16; l++ {
		v[l] = 0 // VEX and EVEX writes zero the upper lanes
	}
	m.vec[r] = v
}

func (m *machine) gpVal(o operand) uint64 {
	if o.isImm {
		return uint64(o.imm)
	}
	return m.gp[o.reg]
}

const rspBase = 1 << 40 // fake stack pointer; [rsp+8+8i] is argument i

func (m *machine) run(p *program) error {
	m.gp = map[string]uint64{"rsp": rspBase}
	pc := 0
	for steps := 0; ; steps++ {
		if steps > 1e6 {
			return fmt.Errorf("no RET after %d instructions", steps)
		}
		if pc < 0 || pc >= len(p.insts) {
			return fmt.Errorf("fell off the function")
		}
		in := p.insts[pc]
		pc++
		a := in.args
		lanes := 0
		if len(a) > 0 && a[0].reg != "" {
			_, lanes, _ = vecReg(a[0].reg)
		}
		switch in.op {
		case "mov":
			if a[1].reg == "" && a[1].base == "rsp" {
				i := (a[1].disp - 8) / 8
				if i < 0 || int(i) >= len(m.args) {
					return fmt.Errorf("%x: stack access %+d", in.addr, a[1].disp)
				}
				m.gp[a[0].reg] = m.args[i]
			} else {
				m.gp[a[0].reg] = m.gpVal(a[1])
			}
		case "lea":
			m.gp[a[0].reg] = m.ea(a[1])
		case "shl", "shr", "and", "add", "sub":
			x, y := m.gp[a[0].reg], m.gpVal(a[1])
			switch in.op {
			case "shl":
				x <<= y
			case "shr":
				x >>= y
			case "and":
				x &= y
			case "add":
				x += y
			case "sub":
				x -= y
			}
			m.gp[a[0].reg], m.zf = x, x == 0
		case "dec":
			m.gp[a[0].reg]--
			m.zf = m.gp[a[0].reg] == 0
		case "test":
			m.zf = m.gp[a[0].reg]&m.gpVal(a[1]) == 0
		case "je", "jne", "jmp":
			if in.op == "jmp" || (in.op == "je") == m.zf {
				t, ok := p.at[in.target]
				if !ok {
					return fmt.Errorf("%x: jump out of the function", in.addr)
				}
				pc = t
			}
		case "ret":
			if m.tiles.configured {
				return fmt.Errorf("%x: RET with the tiles still configured (no TILERELEASE)", in.addr)
			}
			return nil
		case "prefetcht0": // a hint: no effect on the result

		case "vzeroupper":
			for r := 0; r < 16; r++ {
				clear(m.vec[r][4:])
			}
		case "vpxord", "vxorps":
			if a[1].reg != a[0].reg || a[2].reg != a[0].reg {
				return fmt.Errorf("%x: only zeroing xor is emulated", in.addr)
			}
			m.setVec(a[0].reg, [16]float32{}, lanes)
		case "vmovups":
			if a[0].reg == "" { // store
				_, l, _ := vecReg(a[1].reg)
				v, _ := m.vecVal(a[1], l)
				base := m.ea(a[0])
				for i := 0; i < l; i++ {
					f, err := m.float(base + 4*uint64(i))
					if err != nil {
						return fmt.Errorf("%x: store: %v", in.addr, err)
					}
					*f = v[i]
				}
				continue
			}
			v, err := m.vecVal(a[1], lanes)
			if err != nil {
				return fmt.Errorf("%x: %v", in.addr, err)
			}
			m.setVec(a[0].reg, v, lanes)
		case "vbroadcastss":
			f, err := m.float(m.ea(a[1]))
			if err != nil {
				return fmt.Errorf("%x: %v", in.addr, err)
			}
			var v [16]float32
			for i := range v {
				v[i] = *f
			}
			m.setVec(a[0].reg, v, lanes)
		case "vmovdqu", "vmovdqu32", "vmovdqu64":
			if a[0].reg == "" {
				return fmt.Errorf("%x: integer stores are not emulated", in.addr)
			}
			v, err := m.vecVal(a[1], lanes)
			if err != nil {
				return fmt.Errorf("%x: %v", in.addr, err)
			}
			m.setVec(a[0].reg, v, lanes)
		case "vpslld": // dst, src (register or memory), imm
			v, err := m.vecVal(a[1], lanes)
			if err != nil || !a[2].isImm {
				return fmt.Errorf("%x: vpslld: %v", in.addr, err)
			}
			for i := 0; i < lanes; i++ {
				v[i] = math.Float32frombits(math.Float32bits(v[i]) << uint(a[2].imm))
			}
			m.setVec(a[0].reg, v, lanes)
		case "vpand", "vpandd":
			x, _ := m.vecVal(a[1], lanes)
			y, err := m.vecVal(a[2], lanes)
			if err != nil {
				return fmt.Errorf("%x: %v", in.addr, err)
			}
			for i := 0; i < lanes; i++ {
				x[i] = math.Float32frombits(math.Float32bits(x[i]) & math.Float32bits(y[i]))
			}
			m.setVec(a[0].reg, x, lanes)
		case "vpcmpeqd":
			if a[1].reg != a[0].reg || a[2].reg != a[0].reg {
				return fmt.Errorf("%x: only vpcmpeqd of a register with itself is emulated", in.addr)
			}
			var v [16]float32
			for i := range v {
				v[i] = math.Float32frombits(0xffffffff)
			}
			m.setVec(a[0].reg, v, lanes)
		case "vpbroadcastd":
			var bits uint32
			if a[1].reg != "" {
				bits = uint32(m.gp[a[1].reg])
			} else {
				f, err := m.float(m.ea(a[1]))
				if err != nil {
					return fmt.Errorf("%x: %v", in.addr, err)
				}
				bits = math.Float32bits(*f)
			}
			var v [16]float32
			for i := range v {
				v[i] = math.Float32frombits(bits)
			}
			m.setVec(a[0].reg, v, lanes)
		case "vdpbf16ps": // dst += Σ over the bf16 pair of each lane of src1·src2, odd product first
			x, _ := m.vecVal(a[1], lanes)
			y, err := m.vecVal(a[2], lanes)
			if err != nil {
				return fmt.Errorf("%x: %v", in.addr, err)
			}
			d, _ := m.vecVal(a[0], lanes)
			for i := 0; i < lanes; i++ {
				xw, yw := math.Float32bits(x[i]), math.Float32bits(y[i])
				d[i] += bf16Hi(xw) * bf16Hi(yw)
				d[i] += bf16Lo(xw) * bf16Lo(yw)
			}
			m.setVec(a[0].reg, d, lanes)
		case "vaddps", "vfmadd231ps":
			x, _ := m.vecVal(a[1], lanes)
			y, err := m.vecVal(a[2], lanes)
			if err != nil {
				return fmt.Errorf("%x: %v", in.addr, err)
			}
			d, _ := m.vecVal(a[0], lanes)
			var r [16]float32
			for i := 0; i < lanes; i++ {
				if in.op == "vaddps" {
					r[i] = x[i] + y[i]
				} else { // dst = src1·src2 + dst, one rounding
					r[i] = float32(math.FMA(float64(x[i]), float64(y[i]), float64(d[i])))
				}
			}
			m.setVec(a[0].reg, r, lanes)
		default:
			if handled, err := m.tileOp(in); handled {
				if err != nil {
					return fmt.Errorf("%x: %s: %v", in.addr, in.op, err)
				}
				continue
			}
			return fmt.Errorf("%x: instruction %q not emulated", in.addr, in.op)
		}
	}
}
