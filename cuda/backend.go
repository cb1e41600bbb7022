package cuda

import (
	"fmt"
	"sync"
	"unsafe"

	"github.com/xclipfilter/xclipfilter/model"
)

// Backend is model.Backend on a device. Methods may be called from any goroutine; they record launches
// (see the package comment) and submit them at the next Upload, Download or Sync.
type Backend struct {
	dev   device
	dtype DType
	sms   int

	mu       sync.Mutex
	sched    []launch
	params   []byte  // host copy of this schedule's small inputs (gather rows, key masks)
	paramDev uintptr // their device buffer
	paramCap int
	scratch  uintptr // staging for strided Upload/Download
	scratchN int64
	arenas   []*arena // free workspace arenas
	all      []*arena
	owned    []uintptr // constants and weights, freed by Close
	closed   bool
}

// Options configure a Backend.
type Options struct {
	DType  DType
	Device int // CUDA device ordinal
	// NoGraphs launches every schedule kernel by kernel instead of replaying repeated schedules as CUDA
	// graphs (also XCLIP_CUDA_GRAPHS=0).
	NoGraphs bool
}

const paramInitial = 64 << 10

func newBackend(dev device, dt DType) (*Backend, error) {
	b := &Backend{dev: dev, dtype: dt, sms: max(1, dev.multiprocessors())}
	p, err := dev.alloc(paramInitial)
	if err != nil {
		return nil, err
	}
	b.paramDev, b.paramCap = p, paramInitial
	return b, nil
}

// Name says which device, and dtype, e.g. "cuda/NVIDIA H100 80GB HBM3/bf16".
func (b *Backend) Name() string { return b.dev.name() + "/" + b.dtype.String() }

// DType is the mode the backend was made with.
func (b *Backend) DType() DType { return b.dtype }

// Sync submits everything recorded and waits for the device to finish it.
func (b *Backend) Sync() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushLocked()
	check("sync", b.dev.sync())
}

// Trim frees the pooled workspace memory not in use (e.g. between benchmarks of different batch sizes).
func (b *Backend) Trim() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushLocked()
	check("sync", b.dev.sync())
	free := map[*arena]bool{}
	for _, a := range b.arenas {
		free[a] = true
		for _, c := range a.chunks {
			b.dev.free(c.base)
		}
		a.chunks = nil
	}
	b.arenas = nil
	var keep []*arena
	for _, a := range b.all {
		if !free[a] {
			keep = append(keep, a)
		}
	}
	b.all = keep
}

// WorkspaceBytes is the device memory held by workspace arenas.
func (b *Backend) WorkspaceBytes() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	var n int64
	for _, a := range b.all {
		n += a.bytes()
	}
	return n
}

// Close frees everything and closes the device. The backend must not be used afterwards.
func (b *Backend) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	b.flushLocked()
	_ = b.dev.sync()
	for _, a := range b.all {
		for _, c := range a.chunks {
			b.dev.free(c.base)
		}
	}
	for _, p := range b.owned {
		b.dev.free(p)
	}
	if b.scratch != 0 {
		b.dev.free(b.scratch)
	}
	b.dev.free(b.paramDev)
	b.dev.close()
	b.closed = true
}

// record appends a launch to the schedule (b.mu held).
func (b *Backend) record(l launch) {
	if b.closed {
		panic("cuda: backend used after Close")
	}
	b.sched = append(b.sched, l)
}

// flushLocked submits the schedule (b.mu held).
func (b *Backend) flushLocked() {
	if len(b.sched) == 0 {
		return
	}
	if len(b.params) > 0 {
		check("upload parameters", b.dev.upload(b.paramDev, b.params))
		b.params = b.params[:0]
	}
	ls := dropRedundantZeros(b.sched)
	err := b.dev.run(ls)
	clear(b.sched) // drop references to argument slices
	b.sched = b.sched[:0]
	check("run", err)
}

// stage copies small host data for this schedule into the parameter buffer and returns its device
// address (b.mu held).
func (b *Backend) stage(data []byte) uintptr {
	n := roundUp(len(data), 16)
	if len(b.params)+n > b.paramCap {
		b.flushLocked()
		if n > b.paramCap {
			check("sync", b.dev.sync())
			b.dev.free(b.paramDev)
			c := max(n, 2*b.paramCap)
			p, err := b.dev.alloc(int64(c))
			check("parameter buffer", err)
			b.paramDev, b.paramCap = p, c
		}
	}
	off := len(b.params)
	b.params = append(b.params, data...)
	b.params = append(b.params, make([]byte, n-len(data))...)
	return b.paramDev + uintptr(off)
}

func int32bytes(v []int) []byte {
	out := make([]byte, 4*len(v))
	for i, x := range v {
		*(*int32)(unsafe.Pointer(&out[4*i])) = int32(x)
	}
	return out
}

// dropRedundantZeros removes the zeroing of a workspace allocation whose next use in ls overwrites all
// of it before anything reads it.
func dropRedundantZeros(ls []launch) []launch {
	out := ls[:0:0]
	for i, l := range ls {
		if l.zero && zeroOverwritten(ls[i+1:], l.writes[0]) {
			continue
		}
		out = append(out, l)
	}
	return out
}

func zeroOverwritten(rest []launch, z span) bool {
	for _, l := range rest {
		for _, r := range l.reads {
			if r.overlaps(z) {
				return false
			}
		}
		for _, w := range l.writes {
			if w.covers(z) {
				return true
			}
			if w.overlaps(z) {
				return false
			}
		}
	}
	return false
}

// --- views --------------------------------------------------------------------------------------

// extent is the byte range a view touches.
func extent(m model.Mat) span {
	if m.Rows == 0 || m.Cols == 0 {
		return span{lo: m.Dev, hi: m.Dev}
	}
	n := (m.Rows-1)*m.Ld + m.Cols
	return span{lo: m.Dev, hi: m.Dev + uintptr(4*n), dense: m.Ld == m.Cols || m.Rows == 1}
}

func spans(ms ...model.Mat) []span {
	out := make([]span, len(ms))
	for i, m := range ms {
		out[i] = extent(m)
	}
	return out
}

func needDev(op string, ms ...model.Mat) {
	for _, m := range ms {
		if m.Dev == 0 && m.Rows*m.Cols > 0 {
			panic(fmt.Sprintf("cuda: %s: matrix is not in device memory (Dev == 0)", op))
		}
	}
}

func sameShape(op string, a, b model.Mat) {
	if a.Rows != b.Rows || a.Cols != b.Cols {
		panic(fmt.Sprintf("cuda: %s: shapes %dx%d and %dx%d differ", op, a.Rows, a.Cols, b.Rows, b.Cols))
	}
}

// --- model.Backend ------------------------------------------------------------------------------

func (b *Backend) Workspace() model.Workspace {
	b.mu.Lock()
	defer b.mu.Unlock()
	var a *arena
	if n := len(b.arenas); n > 0 {
		a, b.arenas = b.arenas[n-1], b.arenas[:n-1]
	} else {
		a = &arena{}
		b.all = append(b.all, a)
	}
	return &workspace{b: b, a: a}
}

func (b *Backend) Constant(data []float32, rows, cols int) model.Mat {
	if len(data) < rows*cols {
		panic(fmt.Sprintf("cuda: Constant: %d values for %dx%d", len(data), rows, cols))
	}
	p := b.upload("constant", data[:rows*cols])
	return model.Mat{Rows: rows, Cols: cols, Ld: cols, Dev: p}
}

// upload copies host bytes into new device memory owned by the backend.
func (b *Backend) upload(what string, data []float32) uintptr {
	return b.uploadBytes(what, f32bytes(data))
}

func (b *Backend) uploadBytes(what string, data []byte) uintptr {
	b.mu.Lock()
	defer b.mu.Unlock()
	p, err := b.dev.alloc(int64(max(len(data), 4)))
	check(what, err)
	b.owned = append(b.owned, p)
	if len(data) > 0 {
		b.flushLocked()
		check(what, b.dev.upload(p, data))
	}
	return p
}

// scratchLocked returns a staging buffer of at least n bytes (b.mu held, schedule flushed).
func (b *Backend) scratchLocked(n int64) uintptr {
	if b.scratchN < n {
		check("sync", b.dev.sync())
		if b.scratch != 0 {
			b.dev.free(b.scratch)
		}
		p, err := b.dev.alloc(n)
		check("staging buffer", err)
		b.scratch, b.scratchN = p, n
	}
	return b.scratch
}

func (b *Backend) Upload(m model.Mat, data []float32) {
	needDev("Upload", m)
	n := m.Rows * m.Cols
	if len(data) < n {
		panic(fmt.Sprintf("cuda: Upload: %d values for %dx%d", len(data), m.Rows, m.Cols))
	}
	if n == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushLocked()
	if m.Ld == m.Cols || m.Rows == 1 {
		check("upload", b.dev.upload(m.Dev, f32bytes(data[:n])))
		return
	}
	s := b.scratchLocked(int64(4 * n))
	check("upload", b.dev.upload(s, f32bytes(data[:n])))
	b.copyLocked(m, model.Mat{Rows: m.Rows, Cols: m.Cols, Ld: m.Cols, Dev: s})
	b.flushLocked()
}

func (b *Backend) Download(data []float32, m model.Mat) {
	needDev("Download", m)
	n := m.Rows * m.Cols
	if len(data) < n {
		panic(fmt.Sprintf("cuda: Download: room for %d values, need %dx%d", len(data), m.Rows, m.Cols))
	}
	if n == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	src := m.Dev
	if m.Ld != m.Cols && m.Rows > 1 {
		b.flushLocked()
		src = b.scratchLocked(int64(4 * n))
		b.copyLocked(model.Mat{Rows: m.Rows, Cols: m.Cols, Ld: m.Cols, Dev: src}, m)
	}
	b.flushLocked()
	check("download", b.dev.download(f32bytes(data[:n]), src))
}

func (b *Backend) LayerNorm(y, x, gamma, beta model.Mat, eps float32) {
	needDev("LayerNorm", y, x, gamma, beta)
	sameShape("LayerNorm", y, x)
	if gamma.Cols != x.Cols || beta.Cols != x.Cols {
		panic("cuda: LayerNorm: gamma/beta width differs from x")
	}
	if x.Rows == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.record(launch{k: kLayerNorm, grid: [3]uint32{uint32(ceilDiv(x.Rows, 8)), 1, 1}, block: 256,
		args: []uint64{argPtr(y.Dev), argInt(y.Ld), argPtr(x.Dev), argInt(x.Ld), argPtr(gamma.Dev), argPtr(beta.Dev),
			argInt(x.Rows), argInt(x.Cols), argF64(eps)},
		reads: spans(x, gamma, beta), writes: spans(y)})
}

func (b *Backend) Attention(out, q, k, v model.Mat, a model.AttentionShape) {
	needDev("Attention", out, q, k, v)
	if a.Seqs == 0 || a.Lq == 0 {
		return
	}
	w := a.Heads * a.HeadDim
	if q.Rows != a.Seqs*a.Lq || out.Rows != q.Rows || k.Rows != a.Seqs*a.Lk || v.Rows != k.Rows ||
		q.Cols < w || k.Cols < w || v.Cols < w || out.Cols < w {
		panic(fmt.Sprintf("cuda: Attention: shapes q %dx%d k %dx%d v %dx%d out %dx%d for %+v",
			q.Rows, q.Cols, k.Rows, k.Cols, v.Rows, v.Cols, out.Rows, out.Cols, a))
	}
	if a.KeyMask != nil && len(a.KeyMask) < a.Seqs*a.Lk {
		panic("cuda: Attention: KeyMask shorter than Seqs×Lk")
	}
	qb, shared, ok := attentionBlock(a.Lq, a.Lk, a.HeadDim)
	if !ok {
		panic(fmt.Sprintf("cuda: Attention: %d keys of head size %d do not fit one block's shared memory", a.Lk, a.HeadDim))
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	var mask uintptr
	if a.KeyMask != nil {
		mask = b.stage(int32bytes(a.KeyMask[:a.Seqs*a.Lk]))
	}
	const maxZ = 65535
	for s0 := 0; s0 < a.Seqs; s0 += maxZ {
		ns := min(maxZ, a.Seqs-s0)
		sub := func(m model.Mat, l int) model.Mat { return m.Slice(s0*l, (s0+ns)*l) }
		o, qq, kk, vv := sub(out, a.Lq), sub(q, a.Lq), sub(k, a.Lk), sub(v, a.Lk)
		var m uintptr
		if mask != 0 {
			m = mask + uintptr(4*s0*a.Lk)
		}
		b.record(launch{k: kAttention, grid: [3]uint32{uint32(ceilDiv(a.Lq, qb)), uint32(a.Heads), uint32(ns)},
			block: attThreads, shared: uint32(shared),
			args: []uint64{argPtr(o.Dev), argInt(o.Ld), argPtr(qq.Dev), argInt(qq.Ld), argPtr(kk.Dev), argInt(kk.Ld),
				argPtr(vv.Dev), argInt(vv.Ld), argInt(a.Lq), argInt(a.Lk), argInt(a.HeadDim), argF64(a.Scale),
				argBool(a.Causal), argPtr(m), argInt(qb)},
			reads: spans(qq.Columns(0, w), kk.Columns(0, w), vv.Columns(0, w)), writes: spans(o.Columns(0, w))})
	}
}

func (b *Backend) elementwise(k kernel, n int, args []uint64, reads, writes []span) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.record(launch{k: k, grid: [3]uint32{elementwiseGrid(n, b.sms), 1, 1}, block: 256, args: args, reads: reads, writes: writes})
}

func (b *Backend) Add(y, x model.Mat) {
	needDev("Add", y, x)
	if x.Cols != y.Cols || x.Rows == 0 && y.Rows > 0 {
		panic(fmt.Sprintf("cuda: Add: %dx%d += %dx%d", y.Rows, y.Cols, x.Rows, x.Cols))
	}
	if y.Rows*y.Cols == 0 {
		return
	}
	xr := min(x.Rows, y.Rows)
	b.elementwise(kAddRows, y.Rows*y.Cols,
		[]uint64{argPtr(y.Dev), argInt(y.Ld), argPtr(x.Dev), argInt(x.Ld), argInt(y.Rows), argInt(y.Cols), argInt(x.Rows)},
		spans(y, x.Slice(0, xr)), spans(y))
}

func (b *Backend) Activate(y model.Mat, act model.Activation) {
	needDev("Activate", y)
	if act == model.ActNone || y.Rows*y.Cols == 0 {
		return
	}
	b.elementwise(kActivate, y.Rows*y.Cols,
		[]uint64{argPtr(y.Dev), argInt(y.Ld), argInt(y.Rows), argInt(y.Cols), argInt(int(act))}, spans(y), spans(y))
}

func (b *Backend) ScaleColumns(y, s model.Mat) {
	needDev("ScaleColumns", y, s)
	if s.Cols != y.Cols {
		panic("cuda: ScaleColumns: widths differ")
	}
	if y.Rows*y.Cols == 0 {
		return
	}
	b.elementwise(kScaleCols, y.Rows*y.Cols,
		[]uint64{argPtr(y.Dev), argInt(y.Ld), argPtr(s.Dev), argInt(y.Rows), argInt(y.Cols)}, spans(y, s.Slice(0, 1)), spans(y))
}

func (b *Backend) Copy(y, x model.Mat) {
	needDev("Copy", y, x)
	sameShape("Copy", y, x)
	if y.Rows*y.Cols == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.copyLocked(y, x)
}

func (b *Backend) copyLocked(y, x model.Mat) {
	b.record(launch{k: kCopy, grid: [3]uint32{elementwiseGrid(y.Rows*y.Cols, b.sms), 1, 1}, block: 256,
		args:  []uint64{argPtr(y.Dev), argInt(y.Ld), argPtr(x.Dev), argInt(x.Ld), argInt(y.Rows), argInt(y.Cols)},
		reads: spans(x), writes: spans(y)})
}

func (b *Backend) Gather(y, x model.Mat, rows []int) {
	needDev("Gather", y, x)
	if y.Cols != x.Cols || y.Rows < len(rows) {
		panic("cuda: Gather: shapes")
	}
	for _, r := range rows {
		if r < 0 || r >= x.Rows {
			panic(fmt.Sprintf("cuda: Gather: row %d outside 0..%d", r, x.Rows-1))
		}
	}
	if len(rows) == 0 || y.Cols == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	idx := b.stage(int32bytes(rows))
	yy := y.Slice(0, len(rows))
	b.record(launch{k: kGather, grid: [3]uint32{elementwiseGrid(len(rows)*y.Cols, b.sms), 1, 1}, block: 256,
		args:  []uint64{argPtr(yy.Dev), argInt(yy.Ld), argPtr(x.Dev), argInt(x.Ld), argPtr(idx), argInt(len(rows)), argInt(y.Cols)},
		reads: spans(x), writes: spans(yy)})
}

func (b *Backend) MeanFrames(y, x model.Mat, videos, t, n, frameRows int) {
	needDev("MeanFrames", y, x)
	if y.Rows < videos*n || y.Cols != x.Cols || (videos > 0 && t > 0 && ((videos*t-1)*frameRows+n) > x.Rows) {
		panic("cuda: MeanFrames: shapes")
	}
	if videos*n*y.Cols == 0 || t == 0 {
		return
	}
	yy := y.Slice(0, videos*n)
	b.elementwise(kMeanFrames, videos*n*y.Cols,
		[]uint64{argPtr(yy.Dev), argInt(yy.Ld), argPtr(x.Dev), argInt(x.Ld), argInt(videos), argInt(t), argInt(n),
			argInt(frameRows), argInt(y.Cols)},
		spans(x), spans(yy))
}

func (b *Backend) Normalize(y model.Mat) {
	needDev("Normalize", y)
	if y.Rows == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.record(launch{k: kNormalize, grid: [3]uint32{uint32(ceilDiv(y.Rows, 8)), 1, 1}, block: 256,
		args:  []uint64{argPtr(y.Dev), argInt(y.Ld), argInt(y.Rows), argInt(y.Cols)},
		reads: spans(y), writes: spans(y)})
}

func (b *Backend) RowDots(y, a, bm model.Mat, k int, scale float32) {
	needDev("RowDots", y, a, bm)
	if bm.Rows < a.Rows*k || a.Cols != bm.Cols || y.Rows < a.Rows || y.Cols < k {
		panic("cuda: RowDots: shapes")
	}
	if a.Rows*k == 0 {
		return
	}
	yy := y.Slice(0, a.Rows).Columns(0, k)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.record(launch{k: kRowDots, grid: [3]uint32{uint32(ceilDiv(a.Rows*k, 8)), 1, 1}, block: 256,
		args: []uint64{argPtr(yy.Dev), argInt(yy.Ld), argPtr(a.Dev), argInt(a.Ld), argPtr(bm.Dev), argInt(bm.Ld),
			argInt(a.Rows), argInt(k), argInt(a.Cols), argF64(scale)},
		reads: spans(a, bm.Slice(0, a.Rows*k)), writes: spans(yy)})
}

// Patchify lays out frames of pixels [F, C, S, S] (packed, in device memory) as the rows of the
// patch-embedding GEMM, cols [F·(np+2), C·P·P]: per frame a zero row (CLS), one row per patch in the
// conv weight's (c, ky, kx) order, and a zero row (message slot).
func (b *Backend) Patchify(cols, pixels model.Mat, frames, channels, size, patch int) {
	needDev("Patchify", cols, pixels)
	g := size / patch
	if cols.Rows != frames*(g*g+2) || cols.Cols != channels*patch*patch || pixels.Rows*pixels.Cols != frames*channels*size*size {
		panic("cuda: Patchify: shapes")
	}
	if pixels.Ld != pixels.Cols && pixels.Rows > 1 {
		panic("cuda: Patchify: pixels must be packed")
	}
	if cols.Rows*cols.Cols == 0 {
		return
	}
	b.elementwise(kPatchify, cols.Rows*cols.Cols,
		[]uint64{argPtr(cols.Dev), argInt(cols.Ld), argPtr(pixels.Dev), argInt(frames), argInt(channels), argInt(size), argInt(patch)},
		spans(pixels), spans(cols))
}
