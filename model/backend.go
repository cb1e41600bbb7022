package model

// Backend runs every operation of the forward pass on its own memory: host memory for the CPU backend,
// device memory for a GPU backend. The model code (text.go, vision.go, mit.go, prompts.go, xclip.go) is
// written once over it and never touches activations directly; only token ids, pixels in and logits out
// cross to the host.
//
// Matrices are Mat views (rows, columns, row stride) into backend memory, so that the q, k and v of one
// fused projection, the CLS row of every frame or the message slot of every frame are read in place.
type Backend interface {
	// Name says which backend and kernel run, e.g. "cpu/avx512".
	Name() string

	// Workspace returns scratch memory for one forward pass; Release it when the pass is done.
	Workspace() Workspace
	// Constant stores a host matrix (rows×cols, packed) for the lifetime of the model: embeddings,
	// LayerNorm parameters.
	Constant(data []float32, rows, cols int) Mat
	// Upload copies a packed host matrix into m; Download copies m out, packed.
	Upload(m Mat, data []float32)
	Download(data []float32, m Mat)

	// NewLinear prepares y = x·Wᵀ + b for W[n, k] in nn.Linear layout and b[n] (nil: no bias). The
	// backend may repack w; the caller does not use w or b afterwards.
	NewLinear(w, b []float32, n, k int) Linear
	// LayerNorm normalises each row of x into y (y may be x): (x - mean)/sqrt(var + eps)·gamma + beta,
	// gamma and beta being 1×cols.
	LayerNorm(y, x, gamma, beta Mat, eps float32)
	// Attention computes out = softmax(scale·Q·Kᵀ + mask)·V for every sequence and head. Q has
	// Seqs·Lq rows and Heads·HeadDim columns (head h in columns h·HeadDim...); K and V have Seqs·Lk rows.
	Attention(out, q, k, v Mat, a AttentionShape)

	// Add does y += x (same shape); with x of fewer rows than y, x repeats: y[r] += x[r mod x.Rows]
	// (position embeddings).
	Add(y, x Mat)
	// Activate applies act element-wise in place.
	Activate(y Mat, act Activation)
	// ScaleColumns does y[r][c] *= s[0][c] (the prompt generator's alpha).
	ScaleColumns(y, s Mat)
	// Copy copies x into y (same shape).
	Copy(y, x Mat)
	// Gather copies rows: y[i] = x[rows[i]] (token embeddings, EOS pooling).
	Gather(y, x Mat, rows []int)
	// MeanFrames averages over frames: y[v·n + i] = mean over f < t of x[(v·t + f)·frameRows + i], for
	// videos v and rows i < n of each frame.
	MeanFrames(y, x Mat, videos, t, n, frameRows int)
	// Normalize scales every row of y to unit L2 norm.
	Normalize(y Mat)
	// RowDots computes y[v][j] = scale · a[v] · b[v·k + j] for v < a.Rows, j < k (logits).
	RowDots(y, a, b Mat, k int, scale float32)
	// Patchify lays out frames of pixels [F, C, S, S] (packed, F·C·S·S values) as the rows of the
	// patch-embedding GEMM, cols [F·(np+2), C·P·P] (packed): per frame a zero row (CLS), one row per
	// P×P patch in the conv weight's (c, ky, kx) order, then a zero row (message slot).
	Patchify(cols, pixels Mat, frames, channels, size, patch int)
}

// Workspace hands out scratch matrices for one forward pass.
type Workspace interface {
	// Alloc returns a zeroed rows×cols matrix, valid until Release.
	Alloc(rows, cols int) Mat
	Release()
}

// The optional capabilities below are interfaces a Backend (or its Workspace) implements when it has
// them; the model code probes for each and works without it.

// UninitWorkspace is implemented by workspaces that can skip the zeroing when the caller overwrites
// every element anyway (the CPU backend: clearing the recycled buffers cost over 1% of a window).
type UninitWorkspace interface {
	// AllocUninit is Alloc with unspecified contents.
	AllocUninit(rows, cols int) Mat
}

// allocOut returns a rows×cols matrix for an operation that writes every element of it: a GEMM's
// output, a LayerNorm's, an attention's.
func allocOut(ws Workspace, rows, cols int) Mat {
	if u, ok := ws.(UninitWorkspace); ok {
		return u.AllocUninit(rows, cols)
	}
	return ws.Alloc(rows, cols)
}

// Linear is one prepared nn.Linear layer.
type Linear interface {
	// Dims returns (out features n, in features k).
	Dims() (n, k int)
	// Forward computes y = act(x·Wᵀ + b) + residual; act and residual come from ep (zero value: none).
	// y may be ep.Residual.
	Forward(y, x Mat, ep Epilogue)
}

// Epilogue is what a Linear layer fuses after its matrix multiply.
type Epilogue struct {
	Act      Activation
	Residual *Mat // added after the activation; nil for none
}

// Activation names an element-wise function (a config's hidden_act).
type Activation int

const (
	ActNone Activation = iota
	ActQuickGELU
	ActGELU
	ActGELUTanh
	ActReLU
)

// AttentionShape describes one batched attention call.
type AttentionShape struct {
	Seqs, Lq, Lk, Heads, HeadDim int
	Scale                        float32
	// Causal masks key j > query i (the text encoder's causal mask).
	Causal bool
	// KeyMask, when set, holds Seqs×Lk flags; a zero flag masks that key (padding).
	KeyMask []int
}

// Mat is a row-major matrix view into backend memory: element (r, c) is at offset r·Ld + c from the
// view's start, which is Host[0] for host backends and the device address Dev for device backends.
type Mat struct {
	Rows, Cols, Ld int
	Host           []float32
	Dev            uintptr
}

// Slice returns rows [r0, r1).
func (m Mat) Slice(r0, r1 int) Mat {
	return m.view(r0, 0, r1-r0, m.Cols, m.Ld)
}

// Columns returns columns [c0, c1) of every row.
func (m Mat) Columns(c0, c1 int) Mat {
	return m.view(0, c0, m.Rows, c1-c0, m.Ld)
}

// Every returns every step-th row, starting with the first: the CLS row of every frame, for instance.
func (m Mat) Every(step int) Mat {
	return m.view(0, 0, (m.Rows+step-1)/step, m.Cols, m.Ld*step)
}

// Reshape views a packed matrix (Ld == Cols) with another number of columns.
func (m Mat) Reshape(rows, cols int) Mat {
	if m.Ld != m.Cols || rows*cols != m.Rows*m.Cols {
		panic("model: Reshape of a strided or mismatched view")
	}
	return Mat{Rows: rows, Cols: cols, Ld: cols, Host: m.Host, Dev: m.Dev}
}

func (m Mat) view(r0, c0, rows, cols, ld int) Mat {
	off := r0*m.Ld + c0
	v := Mat{Rows: rows, Cols: cols, Ld: ld}
	if m.Host != nil && rows > 0 && cols > 0 {
		v.Host = m.Host[off : off+(rows-1)*ld+cols]
	}
	if m.Dev != 0 {
		v.Dev = m.Dev + uintptr(4*off)
	}
	return v
}

// PartsBackend is implemented by backends that run independent streams of operations faster side by
// side than one after the other with each operation spread over all cores (the CPU backend: a stream
// per core has no barrier between its operations, and its rows stay in that core's caches).
type PartsBackend interface {
	// Parts is how many streams are worth running at once.
	Parts() int
	// RunParts calls fn(0), …, fn(n-1), at most Parts() at a time, and returns when all have
	// returned. The operations fn issues may run concurrently with those of the other parts.
	RunParts(n int, fn func(part int))
}

// partRows is about the most rows a part should have: enough for the GEMMs to reach their speed, few
// enough that a part's activations stay in cache between its operations (a base-patch32 window's
// 8 frames × 51 rows make two parts of 204 rows on two cores; a batch of 4 windows makes 8).
const partRows = 512

// forParts runs fn over items [0, n) of rows rows each, split into parts that b runs side by side
// (just once, over all of them, for other backends); each part gets its own Workspace.
func forParts(b Backend, ws Workspace, n, rows int, fn func(ws Workspace, lo, hi int)) {
	pb, ok := b.(PartsBackend)
	parts := 1
	if ok {
		streams := pb.Parts()
		parts = max(streams, (n*rows+partRows-1)/partRows)
		parts = min(n, (parts+streams-1)/streams*streams) // whole rounds of streams
	}
	if parts <= 1 {
		fn(ws, 0, n)
		return
	}
	pb.RunParts(parts, func(p int) {
		pws := b.Workspace()
		defer pws.Release()
		fn(pws, p*n/parts, (p+1)*n/parts)
	})
}

// ArgumentCopier is implemented by backends whose NewLinear and Constant keep no reference to their
// data arguments (they pack or copy them), so that the loader may pass them one reused buffer instead
// of a new slice per tensor.
type ArgumentCopier interface {
	CopiesArguments() bool
}

// ConstantAllocator is implemented by host backends that let the loader read a constant straight into
// its final place (no copy): NewConstant returns a zeroed packed rows×cols matrix (Mat.Host set) for
// the lifetime of the model.
type ConstantAllocator interface {
	NewConstant(rows, cols int) Mat
}
