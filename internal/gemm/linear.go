package gemm

import (
	"fmt"
	"runtime"
	"unsafe"
)

// Linear computes the Linear layer
//
//	C[i*ldc+j] = Σ_{p<k} A[i*lda+p] · W[j,p] + bias[j]     (i < m, j < n)
//
// with (n, k) = w.Dims(), A row-major with leading dimension lda >= k, C row-major with leading
// dimension ldc >= n, and bias nil (no bias) or of length >= n. Elements of C outside the m×n block
// are not touched; C must not overlap A or bias. The work is split over the pool's threads (p nil:
// the calling goroutine). Linear may be called concurrently, with the same or different pools and
// weights.
func Linear(p *Pool, c []float32, ldc int, a []float32, lda, m int, w *Weights, bias []float32) {
	LinearEpilogue(p, c, ldc, a, lda, m, w, bias, Epilogue{})
}

// Epilogue is what LinearEpilogue does to each element of the product besides the bias, while the
// tile is still in registers or L1:
//
//	C[i*ldc+j] = act(Σ_p A[i*lda+p]·W[j,p] + bias[j]) + Res[i*LdRes+j]
//
// Res (nil: none) may be C itself (the same first element and LdRes == ldc: a residual updated in
// place); otherwise it must not overlap C.
type Epilogue struct {
	Act   Activation
	Res   []float32
	LdRes int
}

// LinearEpilogue is Linear followed by the epilogue ep, fused: the activation and the residual are
// applied tile by tile right after the tile's last K-block, and a residual that is C itself (without
// activation) is accumulated into directly, so C is written once.
func LinearEpilogue(p *Pool, c []float32, ldc int, a []float32, lda, m int, w *Weights, bias []float32, ep Epilogue) {
	n, k := w.Dims()
	checkMatrix("Linear", "A", a, m, k, lda)
	checkMatrix("Linear", "C", c, m, n, ldc)
	if bias != nil && len(bias) < n {
		panic(fmt.Sprintf("gemm: Linear: len(bias) = %d < n = %d", len(bias), n))
	}
	if ep.Res != nil {
		checkMatrix("Linear", "Res", ep.Res, m, n, ep.LdRes)
	}
	if m == 0 || n == 0 {
		return
	}
	pr := getProblem(m, n, k, a, lda, c, ldc, bias)
	pr.bp, pr.bh = w.panels, w.words
	if pr.bh == nil {
		pr.useKernel(pr.kern.forF32())
	}
	if f := pr.kern.fewRows; f != nil && pr.bh == nil && pr.kern.useFewRows(m) {
		pr.useKernel(f)
	}
	pr.act = ep.Act
	if ep.Res != nil {
		switch {
		case &ep.Res[0] == &c[0] && ep.LdRes == ldc && ep.Act == ActNone:
			pr.acc0 = 1 // C holds the residual: accumulate into it
		case &ep.Res[0] == &c[0] && ep.LdRes == ldc:
			// The activation must see the product alone: keep a copy of the residual.
			res := floats(&pr.resBuf, (m-1)*ldc+n)
			for i := 0; i < m; i++ {
				copy(res[i*ldc:i*ldc+n], c[i*ldc:i*ldc+n])
			}
			pr.res, pr.ldr = res, ldc
		case overlaps(ep.Res, m, n, ep.LdRes, c, ldc):
			pr.put()
			panic("gemm: Linear: the residual overlaps C without being C")
		default:
			pr.res, pr.ldr = ep.Res, ep.LdRes
		}
	}
	pr.post = pr.act != ActNone || pr.res != nil
	if k == 0 {
		if pr.acc0 == 0 {
			fillBias(m, n, c, ldc, bias)
		} else if bias != nil {
			for i := 0; i < m; i++ {
				addRow(c[i*ldc:i*ldc+n], bias, pr.vec)
			}
		}
		if pr.post {
			pr.epilogue(0, m, 0, n)
		}
	} else {
		pr.run(p)
	}
	pr.put()
	runtime.KeepAlive(w) // its panels may be unmapped once w is unreachable
}

// overlaps reports whether the memory spans of two rows×cols matrices intersect.
func overlaps(x []float32, rows, cols, ldx int, y []float32, ldy int) bool {
	x0 := uintptr(unsafe.Pointer(&x[0]))
	y0 := uintptr(unsafe.Pointer(&y[0]))
	x1 := x0 + 4*uintptr((rows-1)*ldx+cols)
	y1 := y0 + 4*uintptr((rows-1)*ldy+cols)
	return x0 < y1 && y0 < x1
}
