package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"unsafe"
)

// sentinel fills every element of a test buffer that the function under test must not write.
const sentinel = float32(-12345.625)

// matrix is a rows×cols row-major matrix with leading dimension ld, placed at offset off inside buf
// (off = 1 makes it unaligned); everything in buf outside the matrix is sentinel.
type matrix struct {
	buf             []float32
	off             int
	rows, cols, ld  int
	data            []float32 // buf[off:]
	mustStayIntactC bool
}

func newMatrix(rng *rand.Rand, rows, cols, ld, off int, random bool) *matrix {
	size := off + 3 // sentinels after the end too
	if rows > 0 {
		size += (rows-1)*ld + cols
	}
	buf := make([]float32, size)
	for i := range buf {
		buf[i] = sentinel
	}
	x := &matrix{buf: buf, off: off, rows: rows, cols: cols, ld: ld, data: buf[off : size-3]}
	if random {
		for i := 0; i < rows; i++ {
			for j := 0; j < cols; j++ {
				x.data[i*ld+j] = float32(rng.NormFloat64())
			}
		}
	}
	return x
}

func (x *matrix) at(i, j int) float32 { return x.data[i*x.ld+j] }

// checkSentinels reports elements of buf outside the rows×cols block that changed.
func (x *matrix) checkSentinels(t *testing.T, what string) {
	t.Helper()
	inside := func(idx int) bool {
		idx -= x.off
		if idx < 0 || x.rows == 0 || x.cols == 0 {
			return false
		}
		i, j := idx/x.ld, idx%x.ld
		return i < x.rows && j < x.cols
	}
	bad := 0
	for idx, v := range x.buf {
		if !inside(idx) && v != sentinel {
			if bad < 5 {
				t.Errorf("%s: element %d outside the matrix overwritten: %v", what, idx, v)
			}
			bad++
		}
	}
}

// reference computes C = A·op(B) (+ bias) in float64 and, per element, Σ|a|·|b| + |bias| for the
// error bound. bOf(p, j) reads B[p, j] of the k×n operand.
func reference(m, n, k int, a *matrix, bOf func(p, j int) float32, bias []float32) (ref, mag []float64) {
	ref = make([]float64, m*n)
	mag = make([]float64, m*n)
	bt := make([]float64, n*k) // bt[j*k+p]
	for j := 0; j < n; j++ {
		for p := 0; p < k; p++ {
			bt[j*k+p] = float64(bOf(p, j))
		}
	}
	for i := 0; i < m; i++ {
		arow := make([]float64, k)
		for p := range arow {
			arow[p] = float64(a.at(i, p))
		}
		for j := 0; j < n; j++ {
			var s, g float64
			bcol := bt[j*k : (j+1)*k]
			for p, av := range arow {
				s += av * bcol[p]
				g += math.Abs(av * bcol[p])
			}
			if bias != nil {
				s += float64(bias[j])
				g += math.Abs(float64(bias[j]))
			}
			ref[i*n+j], mag[i*n+j] = s, g
		}
	}
	return ref, mag
}

// compare checks C against the reference with an fp32 tolerance: each element of a length-k dot
// product in float32 is within about sqrt(k)·eps·Σ|a·b| of the exact value for blocked summation;
// we allow 16× that (eps = 2⁻²³), plus the rounding of the bias add.
func compare(t *testing.T, what string, c *matrix, ref, mag []float64, k int) {
	t.Helper()
	const eps = 1.0 / (1 << 23)
	bad := 0
	for i := 0; i < c.rows; i++ {
		for j := 0; j < c.cols; j++ {
			got := float64(c.at(i, j))
			want := ref[i*c.cols+j]
			tol := 16*eps*math.Sqrt(float64(k)+1)*mag[i*c.cols+j] + 1e-30
			if d := math.Abs(got - want); !(d <= tol) {
				if bad < 5 {
					t.Errorf("%s: C[%d,%d] = %v, want %v (|diff| %.3g > tol %.3g)", what, i, j, got, want, d, tol)
				}
				bad++
			}
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d elements wrong", what, bad, c.rows*c.cols)
	}
	c.checkSentinels(t, what)
}

type shape struct{ m, n, k int }

// testShapes covers tile edges (m, n, k not multiples of any MR, NR, KC), degenerate sizes, K-block
// and super-block boundaries, and the real layer shapes at reduced M.
func testShapes(short bool) []shape {
	s := []shape{
		{1, 1, 1}, {1, 1, 7}, {1, 5, 1}, {5, 1, 1}, {2, 3, 4}, {7, 5, 3}, {1, 100, 33}, {100, 1, 33},
		{6, 16, 8}, {8, 48, 16}, {8, 16, 1}, {8, 32, 2}, {12, 96, 5}, {4, 4, 4},
		{9, 49, 129}, {13, 47, 257}, {17, 97, 300}, {5, 65, 513}, {7, 17, 1000}, {3, 200, 127},
		{50, 50, 64}, {77, 64, 77}, {197, 197, 64}, {257, 64, 257}, {300, 40, 20}, {600, 21, 30},
		{520, 9, 3}, {16, 768, 768}, {8, 512, 2048},
	}
	if raceEnabled { // the race detector makes the float64 reference ~20× slower
		small := s[:0]
		for _, sh := range s {
			if sh.m*sh.n*sh.k <= 2e6 {
				small = append(small, sh)
			}
		}
		s = small
	}
	if !short {
		s = append(s, shape{16, 3072, 768}, shape{10, 768, 3072}, shape{24, 1024, 1024},
			shape{3, 4096, 512}, shape{33, 2048, 512}, shape{9, 512, 4096})
	}
	return s
}

// forEachKernel runs f once per kernel this CPU supports, with that kernel forced, and then once
// with pure-Go stand-ins for the tiles of each assembly kernel family (also those this CPU cannot
// run), so that the driver is tested with every kernel's blocking (MR, NR, narrower tiles, KC)
// everywhere; TestAsmKernelsEmulated checks the assembly tiles themselves.
func forEachKernel(t *testing.T, f func(t *testing.T)) {
	for _, name := range Kernels() {
		t.Run(name, func(t *testing.T) {
			restore, err := UseKernel(name)
			if err != nil {
				t.Fatal(err)
			}
			defer restore()
			if Kernel() != name {
				t.Fatalf("Kernel() = %q after UseKernel(%q)", Kernel(), name)
			}
			f(t)
		})
	}
	for _, k := range standIns() {
		t.Run(k.name, func(t *testing.T) {
			prev := current.Swap(k)
			defer current.Store(prev)
			f(t)
		})
	}
}

// standIns returns kernels with the blocking of the avx512 and avx2 kernels and of the generic
// kernel of other architectures, whose tiles are plain Go loops.
func standIns() []*kernel {
	mk := func(name string, mr, nr, vw, kc int, dot bool) *kernel {
		k := &kernel{name: name, mr: mr, nr: nr, vw: vw, kc: kc}
		for w := vw; w <= nr; w += vw {
			k.tiles = append(k.tiles, refTile(mr, w))
			k.wtiles = append(k.wtiles, refTileW(mr, w))
			if dot {
				k.dtiles = append(k.dtiles, refTileD(mr, w))
			}
		}
		return k
	}
	return []*kernel{
		mk("standin-avx512bf16", 8, 48, 16, 128, true),
		mk("standin-avx512", 8, 48, 16, 128, false),
		mk("standin-avx2", 6, 16, 8, 256, false),
		mk("standin-avx2-fewrows", 2, 48, 8, 256, false),
		{name: "standin-generic4x4", mr: 4, nr: 4, vw: 4, kc: 64, tiles: []tileFunc{tileGeneric4x4},
			wtiles: []tileFuncW{tileGenericW4x4}},
	}
}

// refTileW returns a plain-Go tileFuncW for an mr×w tile (the reference loop of the bgemm kernels).
func refTileW(mr, w int) tileFuncW {
	return func(k int, a *float32, b *uint32, ldb int, c *float32, ldc int, bias *float32, acc, n int) {
		for t := range n {
			refTileW1(mr, w)(k, (*float32)(unsafe.Add(unsafe.Pointer(a), 4*t*mr*k)), b, ldb,
				(*float32)(unsafe.Add(unsafe.Pointer(c), 4*t*mr*ldc)), ldc, bias, acc)
		}
	}
}

func refTileW1(mr, w int) func(k int, a *float32, b *uint32, ldb int, c *float32, ldc int, bias *float32, acc int) {
	return func(k int, a *float32, b *uint32, ldb int, c *float32, ldc int, bias *float32, acc int) {
		as := unsafe.Slice(a, mr*k)
		bs := unsafe.Slice(b, ((k+1)/2-1)*ldb+w)
		cs := unsafe.Slice(c, (mr-1)*ldc+w)
		for i := 0; i < mr; i++ {
			for j := 0; j < w; j++ {
				var t float32
				for s := 0; s < k; s++ {
					word := bs[(s/2)*ldb+j]
					bv := bf16Lo(word)
					if s&1 == 1 {
						bv = bf16Hi(word)
					}
					t += as[s*mr+i] * bv
				}
				if acc != 0 {
					t += cs[i*ldc+j]
				}
				if bias != nil {
					t += unsafe.Slice(bias, w)[j]
				}
				cs[i*ldc+j] = t
			}
		}
	}
}

// refTileD returns a plain-Go tileFuncD for an mr×w tile (the reference loop of the dgemm kernels).
func refTileD(mr, w int) tileFuncD {
	return func(k int, a, b *uint32, ldb int, c *float32, ldc int, bias *float32, acc, n int) {
		kp := (k + 1) / 2
		for t := range n {
			refTileD1(mr, w)(k, (*uint32)(unsafe.Add(unsafe.Pointer(a), 4*t*mr*kp)), b, ldb,
				(*float32)(unsafe.Add(unsafe.Pointer(c), 4*t*mr*ldc)), ldc, bias, acc)
		}
	}
}

func refTileD1(mr, w int) func(k int, a, b *uint32, ldb int, c *float32, ldc int, bias *float32, acc int) {
	return func(k int, a, b *uint32, ldb int, c *float32, ldc int, bias *float32, acc int) {
		kp := (k + 1) / 2
		as := unsafe.Slice(a, mr*kp)
		bs := unsafe.Slice(b, (kp-1)*ldb+w)
		cs := unsafe.Slice(c, (mr-1)*ldc+w)
		for i := 0; i < mr; i++ {
			for j := 0; j < w; j++ {
				var t float32
				for pp := 0; pp < kp; pp++ {
					aw, bw := as[pp*mr+i], bs[pp*ldb+j]
					t += bf16Hi(aw) * bf16Hi(bw)
					t += bf16Lo(aw) * bf16Lo(bw)
				}
				if acc != 0 {
					t += cs[i*ldc+j]
				}
				if bias != nil {
					t += unsafe.Slice(bias, w)[j]
				}
				cs[i*ldc+j] = t
			}
		}
	}
}

// refTile returns a plain-Go tileFunc for an mr×w tile (the reference loop of the assembly kernels).
func refTile(mr, w int) tileFunc {
	return func(k int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, acc, n int) {
		for t := range n {
			refTile1(mr, w)(k, (*float32)(unsafe.Add(unsafe.Pointer(a), 4*t*mr*k)), b, ldb,
				(*float32)(unsafe.Add(unsafe.Pointer(c), 4*t*mr*ldc)), ldc, bias, acc)
		}
	}
}

func refTile1(mr, w int) func(k int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, acc int) {
	return func(k int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, acc int) {
		as := unsafe.Slice(a, mr*k)
		bs := unsafe.Slice(b, (k-1)*ldb+w)
		cs := unsafe.Slice(c, (mr-1)*ldc+w)
		for i := 0; i < mr; i++ {
			for j := 0; j < w; j++ {
				var t float32
				for s := 0; s < k; s++ {
					t += as[s*mr+i] * bs[s*ldb+j]
				}
				if acc != 0 {
					t += cs[i*ldc+j]
				}
				if bias != nil {
					t += unsafe.Slice(bias, w)[j]
				}
				cs[i*ldc+j] = t
			}
		}
	}
}

// layout varies leading dimensions and alignment.
type layout struct {
	name    string
	pad     int // ld = cols + pad
	off     int // elements before the matrix
	useBias bool
}

var layouts = []layout{
	{"tight", 0, 0, true},
	{"unaligned+padded", 3, 1, false},
	{"padded+bias", 17, 1, true},
}

func TestLinear(t *testing.T) {
	forEachKernel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		pools := []*Pool{nil, NewPool(1), NewPool(2), NewPool(3)}
		for si, sh := range testShapes(testing.Short() || raceEnabled) {
			lay := layouts[si%len(layouts)]
			pool := pools[si%len(pools)]
			name := fmt.Sprintf("m%d_n%d_k%d_%s_threads%d", sh.m, sh.n, sh.k, lay.name, pool.Threads())
			t.Run(name, func(t *testing.T) {
				checkLinear(t, rng, pool, sh, lay)
			})
		}
	})
}

func checkLinear(t *testing.T, rng *rand.Rand, pool *Pool, sh shape, lay layout) {
	t.Helper()
	m, n, k := sh.m, sh.n, sh.k
	a := newMatrix(rng, m, k, k+lay.pad, lay.off, true)
	w := newMatrix(rng, n, k, k, 0, true)
	var bias []float32
	if lay.useBias {
		bias = make([]float32, n)
		for j := range bias {
			bias[j] = float32(rng.NormFloat64())
		}
	}
	c := newMatrix(rng, m, n, n+lay.pad, lay.off, false)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			c.data[i*c.ld+j] = float32(math.NaN()) // must be overwritten, not accumulated into
		}
	}
	pw := Pack(w.data, n, k)
	if gn, gk := pw.Dims(); gn != n || gk != k {
		t.Fatalf("Dims() = %d, %d, want %d, %d", gn, gk, n, k)
	}
	Linear(pool, c.data, c.ld, a.data, a.ld, m, pw, bias)
	ref, mag := reference(m, n, k, a, func(p, j int) float32 { return w.at(j, p) }, bias)
	compare(t, "Linear", c, ref, mag, k)
	a.checkSentinels(t, "A")
}

func TestNT(t *testing.T) {
	forEachKernel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		for si, sh := range testShapes(true) {
			lay := layouts[si%len(layouts)]
			t.Run(fmt.Sprintf("m%d_n%d_k%d_%s", sh.m, sh.n, sh.k, lay.name), func(t *testing.T) {
				m, n, k := sh.m, sh.n, sh.k
				a := newMatrix(rng, m, k, k+lay.pad, lay.off, true)
				b := newMatrix(rng, n, k, k+2*lay.pad, lay.off, true)
				c := newMatrix(rng, m, n, n+lay.pad, lay.off, true) // garbage to overwrite
				NT(m, n, k, a.data, a.ld, b.data, b.ld, c.data, c.ld)
				ref, mag := reference(m, n, k, a, func(p, j int) float32 { return b.at(j, p) }, nil)
				compare(t, "NT", c, ref, mag, k)
				a.checkSentinels(t, "A")
				b.checkSentinels(t, "B")
			})
		}
	})
}

func TestNN(t *testing.T) {
	forEachKernel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		for si, sh := range testShapes(true) {
			lay := layouts[si%len(layouts)]
			t.Run(fmt.Sprintf("m%d_n%d_k%d_%s", sh.m, sh.n, sh.k, lay.name), func(t *testing.T) {
				m, n, k := sh.m, sh.n, sh.k
				a := newMatrix(rng, m, k, k+lay.pad, lay.off, true)
				b := newMatrix(rng, k, n, n+2*lay.pad, lay.off, true)
				c := newMatrix(rng, m, n, n+lay.pad, lay.off, true)
				NN(m, n, k, a.data, a.ld, b.data, b.ld, c.data, c.ld)
				ref, mag := reference(m, n, k, a, func(p, j int) float32 { return b.at(p, j) }, nil)
				compare(t, "NN", c, ref, mag, k)
				a.checkSentinels(t, "A")
				b.checkSentinels(t, "B")
			})
		}
	})
}

// TestZeroSizes: empty products write bias (or zeros) for k = 0 and nothing for m = 0 or n = 0.
func TestZeroSizes(t *testing.T) {
	bias := []float32{1, 2, 3}
	c := []float32{9, 9, 9, 9, 9, 9, 9}
	Linear(NewPool(2), c, 4, nil, 0, 2, Pack(nil, 3, 0), bias)
	want := []float32{1, 2, 3, 9, 1, 2, 3}
	for i := range c {
		if c[i] != want[i] {
			t.Fatalf("k=0 Linear: c = %v, want %v", c, want)
		}
	}
	NT(2, 3, 0, nil, 0, nil, 0, c, 4)
	NN(0, 3, 5, nil, 5, make([]float32, 15), 3, nil, 3)
	NT(3, 0, 5, make([]float32, 15), 5, nil, 5, nil, 0)
	Linear(nil, nil, 0, nil, 5, 0, Pack(make([]float32, 15), 3, 5), nil)
	want = []float32{0, 0, 0, 9, 0, 0, 0}
	for i := range c {
		if c[i] != want[i] {
			t.Fatalf("k=0 NT: c = %v, want %v", c, want)
		}
	}
}

func TestBadArgumentsPanic(t *testing.T) {
	w := Pack(make([]float32, 12), 3, 4)
	for name, f := range map[string]func(){
		"short A":    func() { Linear(nil, make([]float32, 6), 3, make([]float32, 7), 4, 2, w, nil) },
		"short C":    func() { Linear(nil, make([]float32, 5), 3, make([]float32, 8), 4, 2, w, nil) },
		"small lda":  func() { Linear(nil, make([]float32, 6), 3, make([]float32, 8), 3, 2, w, nil) },
		"short bias": func() { Linear(nil, make([]float32, 6), 3, make([]float32, 8), 4, 2, w, []float32{1}) },
		"short W":    func() { Pack(make([]float32, 11), 3, 4) },
		"NT ldb":     func() { NT(2, 2, 3, make([]float32, 6), 3, make([]float32, 6), 2, make([]float32, 4), 2) },
		"NN short B": func() { NN(2, 2, 3, make([]float32, 6), 3, make([]float32, 5), 2, make([]float32, 4), 2) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func TestKernels(t *testing.T) {
	ks := Kernels()
	if len(ks) == 0 || ks[len(ks)-1] != "generic" {
		t.Fatalf("Kernels() = %v, want generic last", ks)
	}
	if Kernel() != ks[0] {
		t.Errorf("Kernel() = %q, want the best, %q", Kernel(), ks[0])
	}
	if _, err := UseKernel("sse9"); err == nil {
		t.Error("UseKernel(sse9) succeeded")
	}
	for _, k := range all {
		bad := panelWidth%k.nr != 0 || k.nr%k.vw != 0 || k.mr*k.nr > maxTile || k.kc%2 != 0
		if k.f32 == nil {
			bad = bad || len(k.tiles) != k.nr/k.vw || len(k.wtiles) != len(k.tiles) ||
				(k.dtiles != nil && len(k.dtiles) != len(k.tiles))
		} else { // bf16 only (AMX): whole 32-step tile depths except in the last K-block
			bad = bad || len(k.dtiles) != k.nr/k.vw || k.f32.f32 != nil || (k.amxA && (k.mr != amxRows || k.kc%32 != 0))
		}
		if bad {
			t.Errorf("kernel %s: inconsistent tile sizes", k.name)
		}
	}
	t.Logf("kernels: %v, in use: %s", ks, Kernel())
}

// TestLinearConcurrent runs Linear from several goroutines at once, on one shared Pool and on two
// Pools, while the kernel stays fixed; every result must be right.
func TestLinearConcurrent(t *testing.T) {
	forEachKernel(t, func(t *testing.T) {
		const m, n, k = 70, 200, 150
		rng := rand.New(rand.NewPCG(7, 8))
		a := newMatrix(rng, m, k, k, 0, true)
		w := newMatrix(rng, n, k, k, 0, true)
		bias := make([]float32, n)
		for j := range bias {
			bias[j] = float32(j)
		}
		pw := Pack(w.data, n, k)
		ref, mag := reference(m, n, k, a, func(p, j int) float32 { return w.at(j, p) }, bias)
		shared := NewPool(2)
		pools := [][]*Pool{{shared, shared, shared, shared}, {NewPool(2), NewPool(3), NewPool(2), NewPool(3)}}
		for pi, ps := range pools {
			var wg sync.WaitGroup
			results := make([]*matrix, len(ps))
			for g, pool := range ps {
				results[g] = newMatrix(nil, m, n, n+1, 1, false)
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 5 {
						Linear(pool, results[g].data, results[g].ld, a.data, a.ld, m, pw, bias)
					}
				}()
			}
			wg.Wait()
			for g, c := range results {
				compare(t, fmt.Sprintf("pools %d, goroutine %d", pi, g), c, ref, mag, k)
			}
		}
	})
}

// TestNoAllocs: a warm Linear, NT or NN call allocates nothing.
func TestNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	const m, n, k = 40, 100, 300
	a := make([]float32, m*k)
	b := make([]float32, n*k)
	c := make([]float32, m*n)
	w := Pack(b, n, k)
	pool := NewPool(2)
	for name, f := range map[string]func(){
		"Linear": func() { Linear(pool, c, n, a, k, m, w, nil) },
		"NT":     func() { NT(m, n, k, a, k, b, k, c, n) },
		"NN":     func() { NN(m, n, k, a, k, b, n, c, n) },
	} {
		f()
		if allocs := testing.AllocsPerRun(20, f); allocs > 0.5 {
			t.Errorf("%s: %v allocations per call", name, allocs)
		}
	}
}
