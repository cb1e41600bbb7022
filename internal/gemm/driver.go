package gemm

import (
	"fmt"
	"sync"
)

// maxTile is the largest register tile, in floats (8×48).
const maxTile = 8 * panelWidth

// problem is one multiplication C[m,n] = A[m,k]·B[k,n] (+ bias[j]) with B already packed into
// panels. It is cut into super-blocks of rows of A; each super-block is packed by one Pool.Run and
// multiplied by a second one. problems are recycled through problems, so that, once warm, a call
// allocates nothing.
type problem struct {
	kern    *kernel
	m, n, k int
	a       []float32
	lda     int
	bp      []float32 // packed B panels, len >= panelsLen(n, k)
	c       []float32
	ldc     int
	bias    []float32 // nil or len >= n

	// The current super-block: rows [r0, r0+rows) of A and C, packed into ap (mp = rows rounded up
	// to a multiple of kern.mr).
	r0, rows, mp int
	ap           []float32

	// Task grids of the current super-block.
	npack   int // pack tasks, each a run of micro-panels
	mSplit  int // compute tasks: mSplit row parts ×
	nChunks int // nChunks runs of panels

	packFn, computeFn func(int) // p.pack and p.compute, bound once
	apBuf, bpBuf      []float32 // reusable buffers behind ap and (for NT/NN) bp
}

var problems = sync.Pool{New: func() any {
	p := new(problem)
	p.packFn = p.pack
	p.computeFn = p.compute
	return p
}}

var tiles = sync.Pool{New: func() any { return new([maxTile]float32) }}

// getProblem returns a recycled problem set up for C[m,n] = A·B with the active kernel.
func getProblem(m, n, k int, a []float32, lda int, c []float32, ldc int, bias []float32) *problem {
	p := problems.Get().(*problem)
	p.kern = active()
	p.m, p.n, p.k = m, n, k
	p.a, p.lda = a, lda
	p.c, p.ldc = c, ldc
	p.bias = bias
	return p
}

// put drops the references to the caller's slices and recycles p.
func (p *problem) put() {
	p.a, p.bp, p.c, p.bias, p.ap = nil, nil, nil, nil, nil
	problems.Put(p)
}

// floats returns a 64-byte aligned slice of n floats backed by *buf, growing it if needed.
// The contents are unspecified.
func floats(buf *[]float32, n int) []float32 {
	if cap(*buf) < n {
		*buf = alignedFloats(n + n/8)
	}
	return (*buf)[:n]
}

// run computes the whole product on pool (nil: on the calling goroutine).
func (p *problem) run(pool *Pool) {
	kern, m := p.kern, p.m
	threads := pool.Threads()
	nsb := (m + kern.mcRows() - 1) / kern.mcRows()
	per := ((m+nsb-1)/nsb + kern.mr - 1) / kern.mr * kern.mr
	np := (p.n + panelWidth - 1) / panelWidth
	for r0 := 0; r0 < m; r0 += per {
		p.r0, p.rows = r0, min(per, m-r0)
		p.mp = (p.rows + kern.mr - 1) / kern.mr * kern.mr
		p.ap = floats(&p.apBuf, p.mp*p.k)
		micro := p.mp / kern.mr

		// Packing: a few runs of micro-panels per thread.
		p.npack = min(micro, 2*threads)
		if threads == 1 {
			p.npack = 1
		}
		pool.Run(p.npack, p.packFn)

		// Multiplying: chunks of up to 4 panels (192 columns), and at least about 8 tasks per
		// thread so that dynamic scheduling evens out; split the rows too if the panels are few.
		ppc := min(4, max(1, np/(8*threads)))
		p.nChunks = (np + ppc - 1) / ppc
		p.mSplit = 1
		if threads > 1 {
			for p.nChunks*p.mSplit < 8*threads && micro/(p.mSplit+1) >= 4 {
				p.mSplit++
			}
		}
		pool.Run(p.nChunks*p.mSplit, p.computeFn)
	}
}

// pack is pack task t of the current super-block.
func (p *problem) pack(t int) {
	micro := p.mp / p.kern.mr
	i0, i1 := micro*t/p.npack, micro*(t+1)/p.npack
	packA(p.ap, p.a[p.r0*p.lda:], p.lda, p.rows, p.k, p.kern.mr, p.kern.kc, i0, i1)
}

// compute is compute task t of the current super-block: row part t%mSplit, panel chunk t/mSplit.
func (p *problem) compute(t int) {
	micro := p.mp / p.kern.mr
	np := (p.n + panelWidth - 1) / panelWidth
	mi, ni := t%p.mSplit, t/p.mSplit
	p.macro(micro*mi/p.mSplit, micro*(mi+1)/p.mSplit, np*ni/p.nChunks, np*(ni+1)/p.nChunks)
}

// macro computes the block of C formed by micro-panels [i0, i1) of the current super-block and
// panels [q0, q1) of B: for each K-block, for each NR-wide micro-panel of B, for each MR-row
// micro-panel of A, one register tile.
func (p *problem) macro(i0, i1, q0, q1 int) {
	kern := p.kern
	mr, nr, vw, kc := kern.mr, kern.nr, kern.vw, kern.kc
	k, ldc := p.k, p.ldc
	tmp := tiles.Get().(*[maxTile]float32)
	jEnd := min(q1*panelWidth, p.n)
	for pc := 0; pc < k; pc += kc {
		kb := min(kc, k-pc)
		acc, bias := 1, []float32(nil)
		if pc == 0 {
			acc, bias = 0, p.bias
		}
		ablock := p.ap[pc*p.mp : pc*p.mp+p.mp*kb]
		for j := q0 * panelWidth; j < jEnd; j += nr {
			w := min(nr, jEnd-j)
			nv := (w + vw - 1) / vw
			tile := kern.tiles[nv-1]
			bptr := &p.bp[(j/panelWidth)*panelWidth*k+pc*panelWidth+j%panelWidth]
			var biasPtr *float32
			if bias != nil {
				biasPtr = &bias[j]
			}
			for i := i0; i < i1; i++ {
				row := p.r0 + i*mr
				h := min(mr, p.m-row)
				aptr := &ablock[i*mr*kb]
				if h == mr && w == nv*vw {
					tile(kb, aptr, bptr, panelWidth, &p.c[row*ldc+j], ldc, biasPtr, acc)
					continue
				}
				// Edge tile: compute the full tile into tmp, copy the part inside C.
				tw := nv * vw
				tile(kb, aptr, bptr, panelWidth, &tmp[0], tw, nil, 0)
				for r := 0; r < h; r++ {
					crow := p.c[(row+r)*ldc+j : (row+r)*ldc+j+w]
					trow := tmp[r*tw : r*tw+w]
					switch {
					case acc != 0:
						for x, v := range trow {
							crow[x] += v
						}
					case bias != nil:
						bb := bias[j : j+w]
						for x, v := range trow {
							crow[x] = v + bb[x]
						}
					default:
						copy(crow, trow)
					}
				}
			}
		}
	}
	tiles.Put(tmp)
}

// checkMatrix panics unless s can hold a rows×cols matrix with leading dimension ld.
func checkMatrix(fn, name string, s []float32, rows, cols, ld int) {
	if rows < 0 || cols < 0 {
		panic(fmt.Sprintf("gemm: %s: negative size %d×%d of %s", fn, rows, cols, name))
	}
	if rows == 0 || cols == 0 {
		return
	}
	if ld < cols {
		panic(fmt.Sprintf("gemm: %s: leading dimension %d of %s < %d columns", fn, ld, name, cols))
	}
	if need := (rows-1)*ld + cols; len(s) < need {
		panic(fmt.Sprintf("gemm: %s: len(%s) = %d < %d for %d×%d with leading dimension %d",
			fn, name, len(s), need, rows, cols, ld))
	}
}

// fillBias sets C[i, j] = bias[j] (0 if bias is nil): the product of an empty K dimension.
func fillBias(m, n int, c []float32, ldc int, bias []float32) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if bias == nil {
			clear(row)
		} else {
			copy(row, bias[:n])
		}
	}
}
