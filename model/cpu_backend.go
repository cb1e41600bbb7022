package model

import (
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync"
	"unsafe"

	"github.com/xclipfilter/xclipfilter/internal/gemm"
)

// cpuBackend is the pure-Go backend: activations live in Go slices, matrix multiplies run on
// internal/gemm's packed-panel kernels (AVX-512, AVX2 or portable Go, chosen at run time), and so do
// the element-wise functions (AVX2 assembly or Go): bias, activation and residual are fused into the
// GEMM's tiles, LayerNorm and softmax are vectorised rows.
type cpuBackend struct {
	pool     *gemm.Pool
	bf16     bool
	arena    *hostArena // constants, outside the Go heap
	recycler *recycler  // workspace buffers, outside the Go heap
}

// CPUOptions configure NewCPUBackendOptions.
type CPUOptions struct {
	// Threads is the most goroutines one operation uses (<= 0: all cores). Backends of one process
	// share gemm's helper goroutines, so several models never oversubscribe the cores.
	Threads int
	// BF16 stores the Linear layers' weights as bfloat16 (rounded to nearest even): half the memory
	// and memory traffic. Products are summed in float32; activations stay float32, except on CPUs with
	// AMX-BF16 (TDPBF16PS tiles) or AVX512_BF16 (VDPBF16PS), which multiply bf16 pairs of weights and
	// activations (rounded to bf16 as they are packed).
	BF16 bool
}

// NewCPUBackend returns the CPU backend (float32 weights) using up to threads goroutines (<= 0: all
// cores).
func NewCPUBackend(threads int) Backend {
	return NewCPUBackendOptions(CPUOptions{Threads: threads})
}

// NewCPUBackendOptions returns the CPU backend configured by o.
func NewCPUBackendOptions(o CPUOptions) Backend {
	c := &cpuBackend{pool: gemm.NewPool(o.Threads), bf16: o.BF16}
	c.arena = newHostArena(c)
	c.recycler = newRecycler(c)
	return c
}

// ParseDType reads a precision name for the CPU backend: "fp32" (also "float32"), "bf16" (also
// "bfloat16"), or "auto" (also ""): the fastest path within the reduced-precision tolerances, as
// AutoBF16 decides. It returns whether it is bf16.
func ParseDType(s string) (bf16 bool, err error) {
	switch s {
	case "fp32", "float32":
		return false, nil
	case "bf16", "bfloat16":
		return true, nil
	case "auto", "":
		bf16, _ := AutoBF16()
		return bf16, nil
	}
	return false, fmt.Errorf("unknown dtype %q (want auto, fp32 or bf16)", s)
}

// AutoBF16 is what precision=auto means on this CPU: bf16 weights where the CPU multiplies bf16
// faster than fp32 (AMX-BF16), fp32 elsewhere — with the reason, for logs. The rule is gemm.AutoBF16.
func AutoBF16() (bf16 bool, why string) { return gemm.AutoBF16() }

// AMXStatus reports whether the CPU backend multiplies bf16 weights on AMX tiles in this process
// and, if not, why ("CPU lacks AMX", or the OS's refusal of the tile state): for logs and xclip bench.
func AMXStatus() (ok bool, why string) { return gemm.AMXStatus() }

func (c *cpuBackend) Name() string {
	if c.bf16 {
		return "cpu/" + gemm.Kernel() + "/bf16"
	}
	return "cpu/" + gemm.Kernel()
}

// Threads is the most goroutines one operation uses.
func (c *cpuBackend) Threads() int { return c.pool.Threads() }

// Parts: one stream of operations per thread.
func (c *cpuBackend) Parts() int { return c.pool.Threads() }

// RunParts runs the parts as the pool's tasks. The operations of a part find the helpers busy with
// the other parts and run on the part's goroutine; a part that finishes early frees its helper to
// join the operations of the parts still running. A panic in a part (on whichever goroutine) is raised
// again in the caller once every part has returned (gemm.Pool.Run), where the engine's recovery
// reports it.
func (c *cpuBackend) RunParts(n int, fn func(part int)) { c.pool.Run(n, fn) }

// copiesArguments tells the loader that NewLinear and Constant keep no reference to their data
// arguments (they pack or copy them), so one scratch buffer may carry every tensor (see weights.scratch).
func (c *cpuBackend) copiesArguments() bool { return true }

// parallel runs fn over a split of [0, n) on the pool: a few chunks per thread, so that uneven chunks
// balance; work below about minWork elements in all stays on the calling goroutine.
func (c *cpuBackend) parallel(n, perItem int, fn func(lo, hi int)) {
	const minWork = 32 << 10
	if n <= 0 {
		return
	}
	parts := min(n, 4*c.pool.Threads())
	if parts == 1 || n*perItem < minWork {
		fn(0, n)
		return
	}
	c.pool.Run(parts, func(p int) { fn(p*n/parts, (p+1)*n/parts) })
}

// cpuWorkspace hands out activations from the backend's recycler (zeroed again) or, failing that,
// from the Go heap; Release gives the recycled ones back and tells the recycler which sizes the pass
// used.
type cpuWorkspace struct {
	c        *cpuBackend // keeps the backend, and so its recycler's mappings, alive
	recycled [][]float32 // from the recycler, to give back
	heap     []int       // lengths of the heap allocations
}

func (w *cpuWorkspace) Alloc(rows, cols int) Mat {
	m, recycled := w.alloc(rows, cols)
	if recycled {
		w.c.parallel(len(m.Host), 1, func(lo, hi int) { clear(m.Host[lo:hi]) })
	}
	return m
}

// AllocUninit is Alloc without zeroing a recycled buffer.
func (w *cpuWorkspace) AllocUninit(rows, cols int) Mat {
	m, _ := w.alloc(rows, cols)
	return m
}

// alloc takes a buffer from the recycler (recycled: its contents are left over) or the heap (zeroed).
func (w *cpuWorkspace) alloc(rows, cols int) (m Mat, recycled bool) {
	n := rows * cols
	if b := w.c.recycler.get(n); b != nil {
		w.recycled = append(w.recycled, b)
		return Mat{Rows: rows, Cols: cols, Ld: cols, Host: b}, true
	}
	w.heap = append(w.heap, n)
	return Mat{Rows: rows, Cols: cols, Ld: cols, Host: make([]float32, n)}, false
}

func (w *cpuWorkspace) Release() {
	w.c.recycler.put(w.recycled, w.heap)
	w.recycled, w.heap = nil, nil
}

func (c *cpuBackend) Workspace() Workspace { return &cpuWorkspace{c: c} }

// recycler keeps activation buffers outside the Go heap, up to a budget, and lends them to every
// forward pass. A base-patch32 window allocates over 100 MB of activations, layer by layer, with
// little of it live at once: from the Go heap, that costs page faults (the runtime returns freed
// pages to the OS) and garbage collections; buffers kept in the heap would instead raise the
// collector's heap target and the process's footprint. So the largest buffers a pass uses are mapped
// once, outside the heap, and reused (zeroed again, as Alloc promises); the rest still come from the
// heap and are collected as the pass goes. The memory is unmapped when the backend becomes unreachable.
type recycler struct {
	mu    sync.Mutex
	free  map[int][][]float32 // by length
	maps  [][]byte            // every mapping, for release
	bytes int                 // mapped
}

// recycleBudget bounds the memory the recycler maps (bytes): about half of a base-patch32 window's
// allocations, its largest buffers.
const recycleBudget = 64 << 20

// recycleMin is the smallest buffer worth a mapping (bytes).
const recycleMin = 256 << 10

func newRecycler[T any](owner *T) *recycler {
	r := &recycler{free: map[int][][]float32{}}
	runtime.AddCleanup(owner, func(r *recycler) { r.release() }, r)
	return r
}

func (r *recycler) get(n int) []float32 {
	if 4*n < recycleMin {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.free[n]
	if len(l) == 0 {
		return nil
	}
	b := l[len(l)-1]
	r.free[n] = l[:len(l)-1]
	return b
}

// put takes back the buffers lent to a pass, and maps buffers for the largest of the lengths the
// pass had to take from the heap, as far as the budget allows.
func (r *recycler) put(lent [][]float32, heap []int) {
	sort.Sort(sort.Reverse(sort.IntSlice(heap)))
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.free == nil { // released
		return
	}
	for _, b := range lent {
		r.free[len(b)] = append(r.free[len(b)], b)
	}
	for _, n := range heap {
		if 4*n < recycleMin {
			break
		}
		if r.bytes+4*n > recycleBudget {
			continue
		}
		mem := osMap(4 * n)
		if mem == nil {
			return
		}
		r.maps = append(r.maps, mem)
		r.bytes += len(mem)
		r.free[n] = append(r.free[n], unsafe.Slice((*float32)(unsafe.Pointer(&mem[0])), n))
	}
}

func (r *recycler) release() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range r.maps {
		osUnmap(m)
	}
	r.maps, r.free, r.bytes = nil, nil, 0
}

// newConstant is a zeroed constant in the backend's arena (outside the Go heap), for the loader to
// read a tensor into.
func (c *cpuBackend) newConstant(rows, cols int) Mat {
	return Mat{Rows: rows, Cols: cols, Ld: cols, Host: c.arena.alloc(rows * cols)}
}

// Constant copies data into the backend's arena (outside the Go heap).
func (c *cpuBackend) Constant(data []float32, rows, cols int) Mat {
	host := c.arena.alloc(rows * cols)
	copy(host, data[:rows*cols])
	return Mat{Rows: rows, Cols: cols, Ld: cols, Host: host}
}

// row returns row r of m.
func row(m Mat, r int) []float32 { return m.Host[r*m.Ld : r*m.Ld+m.Cols] }

func (c *cpuBackend) Upload(m Mat, data []float32) {
	if m.Ld == m.Cols {
		copy(m.Host[:m.Rows*m.Cols], data)
		return
	}
	for r := range m.Rows {
		copy(row(m, r), data[r*m.Cols:])
	}
}

func (c *cpuBackend) Download(data []float32, m Mat) {
	if m.Ld == m.Cols {
		copy(data, m.Host[:m.Rows*m.Cols])
		return
	}
	for r := range m.Rows {
		copy(data[r*m.Cols:], row(m, r))
	}
}

type cpuLinear struct {
	c *cpuBackend
	w *gemm.Weights
	b []float32
}

func (c *cpuBackend) NewLinear(w, b []float32, n, k int) Linear {
	l := &cpuLinear{c: c}
	if c.bf16 {
		l.w = gemm.PackBF16(w, n, k)
	} else {
		l.w = gemm.Pack(w, n, k)
	}
	if b != nil {
		l.b = append([]float32(nil), b[:n]...)
	}
	return l
}

func (l *cpuLinear) Dims() (int, int) { return l.w.Dims() }

// gemmAct maps an Activation to gemm's.
func gemmAct(a Activation) gemm.Activation {
	switch a {
	case ActQuickGELU:
		return gemm.ActQuickGELU
	case ActGELU:
		return gemm.ActGELU
	case ActGELUTanh:
		return gemm.ActGELUTanh
	case ActReLU:
		return gemm.ActReLU
	}
	return gemm.ActNone
}

// Forward runs the GEMM with bias, activation and residual fused into its tiles: y is written once.
func (l *cpuLinear) Forward(y, x Mat, ep Epilogue) {
	n, k := l.w.Dims()
	if x.Cols != k || y.Cols != n || y.Rows != x.Rows {
		panic(fmt.Sprintf("model: Linear %dx%d: x %dx%d -> y %dx%d", n, k, x.Rows, x.Cols, y.Rows, y.Cols))
	}
	gep := gemm.Epilogue{Act: gemmAct(ep.Act)}
	if ep.Residual != nil && ep.Residual.Rows > 0 {
		gep.Res, gep.LdRes = ep.Residual.Host, ep.Residual.Ld
	}
	gemm.LinearEpilogue(l.c.pool, y.Host, y.Ld, x.Host, x.Ld, x.Rows, l.w, l.b, gep)
}

func (c *cpuBackend) LayerNorm(y, x, gamma, beta Mat, eps float32) {
	g, b := row(gamma, 0), row(beta, 0)
	c.parallel(x.Rows, x.Cols, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			gemm.LayerNorm(row(y, r), row(x, r), g, b, eps)
		}
	})
}

// attnScratch is one task's score matrix, recycled.
var attnScratch = sync.Pool{New: func() any { return new([]float32) }}

func (c *cpuBackend) Attention(out, q, k, v Mat, a AttentionShape) {
	c.pool.Run(a.Seqs*a.Heads, func(task int) {
		s, h := task/a.Heads, task%a.Heads
		off := h * a.HeadDim
		qs := q.Host[s*a.Lq*q.Ld+off:]
		ks := k.Host[s*a.Lk*k.Ld+off:]
		vs := v.Host[s*a.Lk*v.Ld+off:]
		os := out.Host[s*a.Lq*out.Ld+off:]
		buf := attnScratch.Get().(*[]float32)
		if cap(*buf) < a.Lq*a.Lk {
			*buf = make([]float32, a.Lq*a.Lk)
		}
		scores := (*buf)[:a.Lq*a.Lk]
		gemm.NT(a.Lq, a.Lk, a.HeadDim, qs, q.Ld, ks, k.Ld, scores, a.Lk)
		for i := range a.Lq {
			softmaxRow(scores[i*a.Lk:(i+1)*a.Lk], a, s, i)
		}
		gemm.NN(a.Lq, a.HeadDim, a.Lk, scores, a.Lk, vs, v.Ld, os, out.Ld)
		attnScratch.Put(buf)
	})
}

// softmaxRow turns query i's raw scores into attention weights: scale, mask, softmax. A row whose keys
// are all masked becomes zero.
func softmaxRow(sc []float32, a AttentionShape, s, i int) {
	n := len(sc)
	if a.Causal && i+1 < n {
		n = i + 1 // keys after the query are masked
		clear(sc[n:])
	}
	if a.KeyMask != nil {
		mask := a.KeyMask[s*a.Lk : s*a.Lk+n]
		for j, m := range mask {
			if m == 0 {
				sc[j] = float32(math.Inf(-1))
			}
		}
	}
	gemm.Softmax(sc[:n], a.Scale)
}

func (c *cpuBackend) Add(y, x Mat) {
	c.parallel(y.Rows, y.Cols, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			gemm.Add(row(y, r), row(x, r%x.Rows))
		}
	})
}

func (c *cpuBackend) Activate(y Mat, act Activation) {
	ga := gemmAct(act)
	if ga == gemm.ActNone {
		return
	}
	c.parallel(y.Rows, y.Cols, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			gemm.Activate(row(y, r), ga)
		}
	})
}

func (c *cpuBackend) ScaleColumns(y, s Mat) {
	sr := row(s, 0)
	for r := range y.Rows {
		gemm.Mul(row(y, r), sr)
	}
}

func (c *cpuBackend) Copy(y, x Mat) {
	for r := range y.Rows {
		copy(row(y, r), row(x, r))
	}
}

func (c *cpuBackend) Gather(y, x Mat, rows []int) {
	for i, r := range rows {
		copy(row(y, i), row(x, r))
	}
}

func (c *cpuBackend) MeanFrames(y, x Mat, videos, t, n, frameRows int) {
	inv := 1 / float32(t)
	c.parallel(videos*n, t*x.Cols, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			v, i := r/n, r%n
			yr := row(y, r)
			copy(yr, row(x, (v*t)*frameRows+i))
			for f := 1; f < t; f++ {
				gemm.Add(yr, row(x, (v*t+f)*frameRows+i))
			}
			gemm.Scale(yr, inv)
		}
	})
}

func (c *cpuBackend) Normalize(y Mat) {
	for r := range y.Rows {
		yr := row(y, r)
		s := gemm.Dot(yr, yr)
		gemm.Scale(yr, float32(1/math.Sqrt(float64(s))))
	}
}

func (c *cpuBackend) RowDots(y, a, b Mat, k int, scale float32) {
	for v := range a.Rows {
		av := row(a, v)
		for j := range k {
			row(y, v)[j] = scale * gemm.Dot(av, row(b, v*k+j))
		}
	}
}
