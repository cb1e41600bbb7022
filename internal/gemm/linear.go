package gemm

import "fmt"

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
	n, k := w.Dims()
	checkMatrix("Linear", "A", a, m, k, lda)
	checkMatrix("Linear", "C", c, m, n, ldc)
	if bias != nil && len(bias) < n {
		panic(fmt.Sprintf("gemm: Linear: len(bias) = %d < n = %d", len(bias), n))
	}
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		fillBias(m, n, c, ldc, bias)
		return
	}
	pr := getProblem(m, n, k, a, lda, c, ldc, bias)
	pr.bp = w.panels
	pr.run(p)
	pr.put()
}
