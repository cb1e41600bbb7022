package model

// Backend runs the operations that cost: the matrix multiplies of every Linear layer and attention. The
// model code (text.go, vision.go, mit.go, prompts.go) is written once over it; a backend owns how weights
// are laid out (packed panels on the CPU) and how work is split over cores.
//
// Activations are row-major float32 slices with explicit row strides, so that the q, k and v of one fused
// projection can be read in place.
type Backend interface {
	// Name says which backend and kernel run, e.g. "cpu/avx512".
	Name() string
	// NewLinear prepares y = x·Wᵀ + b for W[n, k] in nn.Linear layout and b[n] (nil: no bias). The
	// backend may repack w; the caller does not use w or b afterwards.
	NewLinear(w, b []float32, n, k int) Linear
	// Attention computes out = softmax(scale·Q·Kᵀ + mask)·V for every sequence and head. Element d of
	// head h of token i of sequence s is q[(s*Lq+i)*ldq + h*HeadDim + d]; k, v and out likewise.
	Attention(out []float32, ldo int, q []float32, ldq int, k []float32, ldk int, v []float32, ldv int, a AttentionShape)
	// Parallel runs fn(lo, hi) over a split of [0, n) on the backend's workers and returns when all are done.
	Parallel(n int, fn func(lo, hi int))
}

// Linear is one prepared nn.Linear layer.
type Linear interface {
	// Dims returns (out features n, in features k).
	Dims() (n, k int)
	// Forward computes y[i*ldy+j] = Σ_p x[i*ldx+p]·W[j,p] + b[j] for i < m, j < n.
	Forward(y []float32, ldy int, x []float32, ldx, m int)
}

// AttentionShape describes one batched attention call.
type AttentionShape struct {
	Seqs, Lq, Lk, Heads, HeadDim int
	Scale                        float32
	// Causal masks key j > query i (the text encoder's causal mask).
	Causal bool
	// KeyMask, when set, holds Seqs×Lk flags; a zero flag masks that key (padding).
	KeyMask []int
}
