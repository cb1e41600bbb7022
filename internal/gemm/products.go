package gemm

// NT computes C = A·Bᵀ:
//
//	C[i*ldc+j] = Σ_{p<k} A[i*lda+p] · B[j*ldb+p]     (i < m, j < n)
//
// for row-major A[m,k], B[n,k] and C[m,n] with leading dimensions lda >= k, ldb >= k, ldc >= n.
// It runs on the calling goroutine (attention callers parallelise over heads); B is packed into a
// reused buffer first. C must not overlap A or B.
func NT(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	checkMatrix("NT", "B", b, n, k, ldb)
	product("NT", m, n, k, a, lda, c, ldc, func(dst []float32) { packBT(dst, b, ldb, n, k) })
}

// NN computes C = A·B:
//
//	C[i*ldc+j] = Σ_{p<k} A[i*lda+p] · B[p*ldb+j]     (i < m, j < n)
//
// for row-major A[m,k], B[k,n] and C[m,n] with leading dimensions lda >= k, ldb >= n, ldc >= n.
// It runs on the calling goroutine; B is packed into a reused buffer first. C must not overlap A or B.
func NN(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	checkMatrix("NN", "B", b, k, n, ldb)
	product("NN", m, n, k, a, lda, c, ldc, func(dst []float32) { packBN(dst, b, ldb, n, k) })
}

// product runs C = A·op(B) on the calling goroutine, packB filling the reused panel buffer from B
// (already checked by the caller).
func product(name string, m, n, k int, a []float32, lda int, c []float32, ldc int, packB func(dst []float32)) {
	checkMatrix(name, "A", a, m, k, lda)
	checkMatrix(name, "C", c, m, n, ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		fillBias(m, n, c, ldc, nil)
		return
	}
	pr := getProblem(m, n, k, a, lda, c, ldc, nil)
	pr.useKernel(pr.kern.forF32())
	pr.bp = floats(&pr.bpBuf, panelsLen(n, k))
	packB(pr.bp)
	pr.run(nil)
	pr.put()
}
