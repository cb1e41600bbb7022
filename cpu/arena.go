package cpu

import (
	"runtime"
	"sync"
	"unsafe"
)

// hostArena hands out float32 slices for the CPU backend's constants (token and position embeddings,
// LayerNorm parameters) from memory mapped outside the Go heap where the OS allows (cpu_mem_unix.go).
// Like the packed weights (internal/gemm), they then do not count towards the garbage collector's heap
// target: with the model's hundreds of MB outside the heap, the heap stays the size of one forward
// pass's activations, and so does the garbage between collections. The memory is released when the
// backend that owns the arena becomes unreachable.
type hostArena struct {
	mu     sync.Mutex
	chunks [][]byte  // mapped chunks, unmapped by free
	free   []float32 // the unused rest of the last chunk
}

const arenaChunk = 4 << 20 // bytes

// newHostArena returns an arena whose memory is released when owner becomes unreachable.
func newHostArena[T any](owner *T) *hostArena {
	a := &hostArena{}
	runtime.AddCleanup(owner, func(a *hostArena) { a.release() }, a)
	return a
}

// alloc returns n zeroed floats, 64-byte aligned.
func (a *hostArena) alloc(n int) []float32 {
	a.mu.Lock()
	defer a.mu.Unlock()
	n16 := (n + 15) &^ 15
	if n16 > len(a.free) {
		size := max(arenaChunk, 4*n16)
		mem := osMap(size)
		if mem == nil { // no mappings here: the Go heap
			return make([]float32, n)
		}
		a.chunks = append(a.chunks, mem)
		if 4*n16 > arenaChunk/2 { // large: its own mapping, keep the current chunk's rest
			return unsafe.Slice((*float32)(unsafe.Pointer(&mem[0])), size/4)[:n:n]
		}
		a.free = unsafe.Slice((*float32)(unsafe.Pointer(&mem[0])), size/4)
	}
	s := a.free[:n:n]
	a.free = a.free[n16:]
	return s
}

func (a *hostArena) release() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, c := range a.chunks {
		osUnmap(c)
	}
	a.chunks, a.free = nil, nil
}
