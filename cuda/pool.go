package cuda

import "github.com/xclipfilter/xclipfilter/model"

// Workspace memory: a bump allocator over chunks of device memory. An arena hands out its chunks in the
// same order on every use, so the same sequence of Alloc calls gets the same addresses every time: that
// is what lets a repeated forward pass replay as a CUDA graph (schedule keys include the addresses).
// Arenas are pooled: Backend.Workspace takes a free one (or makes one), Release puts it back.

const (
	chunkSize  = 64 << 20 // default chunk; larger allocations get a chunk of their own size
	allocAlign = 256
)

type chunk struct {
	base uintptr
	size int64
}

type arena struct {
	chunks []chunk
	ci     int   // current chunk
	off    int64 // next free byte in chunks[ci]
}

// take returns size bytes (a multiple of allocAlign) from the arena, calling grow for a new chunk
// (inserted at the current position) when the next chunk in line is too small.
func (a *arena) take(size int64, grow func(size int64) chunk) uintptr {
	if a.ci < len(a.chunks) && a.off+size <= a.chunks[a.ci].size {
		p := a.chunks[a.ci].base + uintptr(a.off)
		a.off += size
		return p
	}
	if a.ci < len(a.chunks) && a.off > 0 {
		a.ci++
	}
	if a.ci >= len(a.chunks) || a.chunks[a.ci].size < size {
		c := grow(max(size, chunkSize))
		a.chunks = append(a.chunks, chunk{})
		copy(a.chunks[a.ci+1:], a.chunks[a.ci:])
		a.chunks[a.ci] = c
	}
	a.off = size
	return a.chunks[a.ci].base
}

func (a *arena) reset() { a.ci, a.off = 0, 0 }

func (a *arena) bytes() int64 {
	var n int64
	for _, c := range a.chunks {
		n += c.size
	}
	return n
}

// workspace is one forward pass's scratch memory.
type workspace struct {
	b        *Backend
	a        *arena
	released bool
}

func (w *workspace) Alloc(rows, cols int) model.Mat {
	b := w.b
	if w.released {
		panic("cuda: Alloc on a released Workspace")
	}
	if rows < 0 || cols < 0 {
		panic("cuda: negative Alloc")
	}
	n := int64(rows) * int64(cols) * 4
	size := max(int64(roundUp(int(n), allocAlign)), allocAlign)
	b.mu.Lock()
	defer b.mu.Unlock()
	p := w.a.take(size, func(size int64) chunk {
		ptr, err := b.dev.alloc(size)
		check("workspace chunk", err)
		return chunk{base: ptr, size: size}
	})
	if n > 0 {
		z := span{lo: p, hi: p + uintptr(n), dense: true}
		b.record(launch{k: kZero, grid: [3]uint32{elementwiseGrid(int(n/4), b.sms), 1, 1}, block: 256,
			args: []uint64{argPtr(p), argInt(int(n / 4))}, writes: []span{z}, zero: true})
	}
	return model.Mat{Rows: rows, Cols: cols, Ld: cols, Dev: p}
}

func (w *workspace) Release() {
	b := w.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if w.released {
		return
	}
	w.released = true
	w.a.reset()
	b.arenas = append(b.arenas, w.a)
}
