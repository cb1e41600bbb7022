package cpu

import (
	"runtime"
	"sort"
	"sync"
	"unsafe"

	"github.com/xclipfilter/xclipfilter/model"
)

// workspace hands out activations from the backend's recycler (zeroed again) or, failing that,
// from the Go heap; Release gives the recycled ones back and tells the recycler which sizes the pass
// used.
type workspace struct {
	c        *Backend    // keeps the backend, and so its recycler's mappings, alive
	recycled [][]float32 // from the recycler, to give back
	heap     []int       // lengths of the heap allocations
}

func (w *workspace) Alloc(rows, cols int) model.Mat {
	m, recycled := w.alloc(rows, cols)
	if recycled {
		w.c.parallel(len(m.Host), 1, func(lo, hi int) { clear(m.Host[lo:hi]) })
	}
	return m
}

// AllocUninit is Alloc without zeroing a recycled buffer (model.UninitWorkspace).
func (w *workspace) AllocUninit(rows, cols int) model.Mat {
	m, _ := w.alloc(rows, cols)
	return m
}

// alloc takes a buffer from the recycler (recycled: its contents are left over) or the heap (zeroed).
func (w *workspace) alloc(rows, cols int) (m model.Mat, recycled bool) {
	n := rows * cols
	if b := w.c.recycler.get(n); b != nil {
		w.recycled = append(w.recycled, b)
		return model.Mat{Rows: rows, Cols: cols, Ld: cols, Host: b}, true
	}
	w.heap = append(w.heap, n)
	return model.Mat{Rows: rows, Cols: cols, Ld: cols, Host: make([]float32, n)}, false
}

func (w *workspace) Release() {
	w.c.recycler.put(w.recycled, w.heap)
	w.recycled, w.heap = nil, nil
}

func (c *Backend) Workspace() model.Workspace { return &workspace{c: c} }

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
