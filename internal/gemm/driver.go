package gemm

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// maxTile is the largest tile one kernel call computes, in floats (AMX: 16×48).
const maxTile = amxRows * panelWidth

// problem is one multiplication C[m,n] = A[m,k]·B[k,n] (+ bias[j]) with B already packed into
// panels. It is cut into super-blocks of rows of A, each packed by a few pack tasks, then multiplied
// by compute tasks; all tasks of all super-blocks form one Pool.Run, in that order (see run).
// problems are recycled through problems, so that, once warm, a call allocates nothing.
type problem struct {
	kern    *kernel
	m, n, k int
	a       []float32
	lda     int
	bp      []float32 // packed B panels, len >= panelsLen(n, k); nil when bh is set
	bh      []uint32  // bf16 K-pair B panels (PackBF16), or nil
	c       []float32
	ldc     int
	bias    []float32 // nil or len >= n

	// Epilogue: acc0 = 1 makes the first K-block add to C (C holds a residual); after the last
	// K-block, each tile gets act, then res added (post says whether there is anything to do).
	acc0 int
	act  Activation
	res  []float32
	ldr  int
	post bool
	vec  bool // element-wise functions in assembly

	sbs   []superBlock // the super-blocks of rows
	tasks int          // pack and compute tasks of all super-blocks

	taskFn       func(int)   // p.task, bound once
	apBuf, bpBuf []float32   // reusable buffers behind the super-blocks' ap (two) and (for NT/NN) bp
	apBuf2       []float32   //
	ap16Buf      [2][]uint32 // reusable buffers behind ap16
	resBuf       []float32   // a copy of the residual when it is C and act is set
}

// superBlock is a run of rows [r0, r0+rows) of A and C, packed into ap or ap16 (mp = rows rounded up
// to a multiple of kern.mr), with its task grid. Its tasks are numbered from first: npack pack tasks,
// then mSplit·nChunks compute tasks.
type superBlock struct {
	r0, rows, mp int
	ap           []float32 // packed A (float32), or
	ap16         []uint32  // packed A as bf16 pairs (dot-product kernels)

	first   int
	npack   int // pack tasks, each a run of micro-panels
	mSplit  int // compute tasks: mSplit row parts ×
	nChunks int // nChunks runs of panels

	packed, computed atomic.Int32 // tasks done
}

var problems = sync.Pool{New: func() any {
	p := new(problem)
	p.taskFn = p.task
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
	p.bp, p.bh = nil, nil
	p.acc0, p.act, p.res, p.ldr, p.post = 0, ActNone, nil, 0, false
	p.vec = haveVecASM && p.kern.vec
	return p
}

// useKernel makes p run on k instead of the kernel getProblem chose.
func (p *problem) useKernel(k *kernel) {
	p.kern = k
	p.vec = haveVecASM && k.vec
}

// put drops the references to the caller's slices and recycles p.
func (p *problem) put() {
	p.a, p.bp, p.bh, p.c, p.bias, p.res = nil, nil, nil, nil, nil, nil
	for i := range p.sbs {
		p.sbs[i].ap, p.sbs[i].ap16 = nil, nil
	}
	problems.Put(p)
}

// dot reports whether the product runs on the dot-product tiles (bf16 weights and activations).
func (p *problem) dot() bool { return p.bh != nil && p.kern.dtiles != nil }

// words is floats for uint32 buffers.
func words(buf *[]uint32, n int) []uint32 {
	if cap(*buf) < n {
		f := alignedFloats(n + n/8)
		*buf = unsafe.Slice((*uint32)(unsafe.Pointer(&f[0])), len(f))
	}
	return (*buf)[:n]
}

// floats returns a 64-byte aligned slice of n floats backed by *buf, growing it if needed.
// The contents are unspecified.
func floats(buf *[]float32, n int) []float32 {
	if cap(*buf) < n {
		*buf = alignedFloats(n + n/8)
	}
	return (*buf)[:n]
}

// run computes the whole product on pool (nil: on the calling goroutine) as one Pool.Run.
//
// Super-block b is packed into A buffer b%2. Its compute tasks wait for its pack tasks, and its pack
// tasks wait for the compute tasks of super-block b-2 (which used the same buffer), so packing the next
// super-block overlaps the end of this one and no thread idles at a barrier between them. Tasks are
// claimed in order, and every wait is on tasks claimed earlier, by goroutines that are running them:
// the earliest unfinished task never waits, so the waits (spins that yield) always end.
func (p *problem) run(pool *Pool) {
	kern, m := p.kern, p.m
	threads := pool.Threads()
	nsb := (m + kern.mcRows() - 1) / kern.mcRows()
	per := ((m+nsb-1)/nsb + kern.mr - 1) / kern.mr * kern.mr
	np := (p.n + panelWidth - 1) / panelWidth
	nsb = (m + per - 1) / per
	if cap(p.sbs) < nsb {
		p.sbs = make([]superBlock, nsb)
	}
	p.sbs = p.sbs[:nsb]
	mpMax := (per + kern.mr - 1) / kern.mr * kern.mr
	var ap [2][]float32
	var ap16 [2][]uint32
	if p.dot() {
		ap16[0] = words(&p.ap16Buf[0], mpMax*((p.k+1)/2))
		if nsb > 1 {
			ap16[1] = words(&p.ap16Buf[1], mpMax*((p.k+1)/2))
		}
	} else {
		ap[0] = floats(&p.apBuf, mpMax*p.k)
		if nsb > 1 {
			ap[1] = floats(&p.apBuf2, mpMax*p.k)
		}
	}
	p.tasks = 0
	for b := range p.sbs {
		sb := &p.sbs[b]
		sb.r0 = b * per
		sb.rows = min(per, m-sb.r0)
		sb.mp = (sb.rows + kern.mr - 1) / kern.mr * kern.mr
		sb.ap, sb.ap16 = nil, nil
		if p.dot() {
			sb.ap16 = ap16[b%2][:sb.mp*((p.k+1)/2)]
		} else {
			sb.ap = ap[b%2][:sb.mp*p.k]
		}
		micro := sb.mp / kern.mr

		// Packing: a few runs of micro-panels per thread.
		sb.npack = min(micro, 2*threads)
		if threads == 1 {
			sb.npack = 1
		}
		// Multiplying: chunks of up to 4 panels (192 columns), and at least about 8 tasks per
		// thread so that dynamic scheduling evens out; split the rows too if the panels are few.
		ppc := min(4, max(1, np/(8*threads)))
		sb.nChunks = (np + ppc - 1) / ppc
		sb.mSplit = 1
		if threads > 1 {
			for sb.nChunks*sb.mSplit < 8*threads && micro/(sb.mSplit+1) >= 4 {
				sb.mSplit++
			}
		}
		sb.first = p.tasks
		p.tasks += sb.npack + sb.nChunks*sb.mSplit
		sb.packed.Store(0)
		sb.computed.Store(0)
	}
	pool.Run(p.tasks, p.taskFn)
}

// task runs task t: a pack or a compute task of one super-block, after what it depends on.
func (p *problem) task(t int) {
	b := len(p.sbs) - 1
	for p.sbs[b].first > t {
		b--
	}
	sb := &p.sbs[b]
	if t -= sb.first; t < sb.npack {
		if b >= 2 {
			prev := &p.sbs[b-2]
			waitFor(&prev.computed, int32(prev.nChunks*prev.mSplit))
		}
		defer sb.packed.Add(1) // also if it panics: the tasks waiting for it must not hang
		p.pack(sb, t)
		return
	}
	waitFor(&sb.packed, int32(sb.npack))
	defer sb.computed.Add(1)
	p.compute(sb, t-sb.npack)
}

// waitFor spins until c reaches want, yielding the processor after a few tries.
func waitFor(c *atomic.Int32, want int32) {
	for i := 0; c.Load() < want; i++ {
		if i >= 64 {
			runtime.Gosched()
		}
	}
}

// pack is pack task t of super-block sb.
func (p *problem) pack(sb *superBlock, t int) {
	micro := sb.mp / p.kern.mr
	i0, i1 := micro*t/sb.npack, micro*(t+1)/sb.npack
	if p.dot() && p.kern.amxA {
		packA16AMX(sb.ap16, p.a[sb.r0*p.lda:], p.lda, sb.rows, p.k, p.kern.kc, i0, i1)
		return
	}
	if p.dot() {
		packA16(sb.ap16, p.a[sb.r0*p.lda:], p.lda, sb.rows, p.k, p.kern.mr, p.kern.kc, i0, i1)
		return
	}
	packA(sb.ap, p.a[sb.r0*p.lda:], p.lda, sb.rows, p.k, p.kern.mr, p.kern.kc, i0, i1)
}

// compute is compute task t of super-block sb: row part t%mSplit, panel chunk t/mSplit.
func (p *problem) compute(sb *superBlock, t int) {
	micro := sb.mp / p.kern.mr
	np := (p.n + panelWidth - 1) / panelWidth
	mi, ni := t%sb.mSplit, t/sb.mSplit
	p.macro(sb, micro*mi/sb.mSplit, micro*(mi+1)/sb.mSplit, np*ni/sb.nChunks, np*(ni+1)/sb.nChunks)
}

// macro computes the block of C formed by micro-panels [i0, i1) of the current super-block and
// panels [q0, q1) of B: for each K-block, for each NR-wide micro-panel of B, for each MR-row
// micro-panel of A, one register tile; after the last K-block, the epilogue of each NR-wide column.
func (p *problem) macro(sb *superBlock, i0, i1, q0, q1 int) {
	kern := p.kern
	mr, nr, vw, kc := kern.mr, kern.nr, kern.vw, kern.kc
	k, ldc := p.k, p.ldc
	tmp := tiles.Get().(*[maxTile]float32)
	jEnd := min(q1*panelWidth, p.n)
	for pc := 0; pc < k; pc += kc {
		kb := min(kc, k-pc)
		last := pc+kb == k
		acc, bias := 1, []float32(nil)
		if pc == 0 {
			acc, bias = p.acc0, p.bias
		}
		for j := q0 * panelWidth; j < jEnd; j += nr {
			w := min(nr, jEnd-j)
			nv := (w + vw - 1) / vw
			var biasPtr *float32
			if bias != nil {
				biasPtr = &bias[j]
			}
			iEdge := i0 // full tiles [i0, iEdge) in one kernel call, then the edge tiles one by one
			if w == nv*vw {
				iEdge = min(i1, (p.m-sb.r0)/mr)
				if iEdge > i0 {
					p.tile(sb, nv, kb, pc, i0, j, &p.c[(sb.r0+i0*mr)*ldc+j], ldc, biasPtr, acc, iEdge-i0)
				}
				iEdge = max(iEdge, i0)
			}
			for i := iEdge; i < i1; i++ {
				// Edge tile: compute the full tile into tmp, copy the part inside C.
				row := sb.r0 + i*mr
				h := min(mr, p.m-row)
				tw := nv * vw
				p.tile(sb, nv, kb, pc, i, j, &tmp[0], tw, nil, 0, 1)
				for r := 0; r < h; r++ {
					crow := p.c[(row+r)*ldc+j : (row+r)*ldc+j+w]
					trow := tmp[r*tw : r*tw+w]
					if bias != nil {
						bb := bias[j : j+w]
						for x := range trow {
							trow[x] += bb[x]
						}
					}
					if acc != 0 {
						for x, v := range trow {
							crow[x] += v
						}
					} else {
						copy(crow, trow)
					}
				}
			}
			if last && p.post { // the micro-panel's column of C, still in L1
				row0 := sb.r0 + i0*mr
				p.epilogue(row0, min(sb.r0+i1*mr, p.m)-row0, j, w)
			}
		}
	}
	tiles.Put(tmp)
}

// tile computes the n register tiles of micro-panels i .. i+n-1 of A and columns [j, j+nv·vw) of B
// over K-block [pc, pc+kb) into c (tile t at MR·t rows down), with the tiles for the operands' types.
func (p *problem) tile(sb *superBlock, nv, kb, pc, i, j int, c *float32, ldc int, bias *float32, acc, n int) {
	kern := p.kern
	q, jj := j/panelWidth, j%panelWidth
	switch {
	case p.bh == nil:
		b := &p.bp[q*panelWidth*p.k+pc*panelWidth+jj]
		a := sb.ap[pc*sb.mp+i*kern.mr*kb : pc*sb.mp+(i+n)*kern.mr*kb]
		kern.tiles[nv-1](kb, &a[0], b, panelWidth, c, ldc, bias, acc, n)
	case kern.dtiles == nil:
		b := &p.bh[q*panelWidth*((p.k+1)/2)+(pc/2)*panelWidth+jj]
		a := sb.ap[pc*sb.mp+i*kern.mr*kb : pc*sb.mp+(i+n)*kern.mr*kb]
		kern.wtiles[nv-1](kb, &a[0], b, panelWidth, c, ldc, bias, acc, n)
	default:
		kbp := (kb + 1) / 2
		b := &p.bh[q*panelWidth*((p.k+1)/2)+(pc/2)*panelWidth+jj]
		a := sb.ap16[(pc/2)*sb.mp+i*kern.mr*kbp : (pc/2)*sb.mp+(i+n)*kern.mr*kbp]
		kern.dtiles[nv-1](kb, &a[0], b, panelWidth, c, ldc, bias, acc, n)
	}
}

// epilogue applies the activation and adds the residual to rows [row, row+h) and columns [j, j+w)
// of C, just computed (a task's rows × NR columns: still in L1).
func (p *problem) epilogue(row, h, j, w int) {
	if h <= 0 {
		return
	}
	activate2D(p.c[row*p.ldc+j:], p.ldc, h, w, p.act, p.vec)
	if p.res != nil {
		for r := row; r < row+h; r++ {
			addRow(p.c[r*p.ldc+j:r*p.ldc+j+w], p.res[r*p.ldr+j:r*p.ldr+j+w], p.vec)
		}
	}
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
