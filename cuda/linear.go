package cuda

import (
	"fmt"
	"unsafe"

	"github.com/xclipfilter/xclipfilter/model"
)

// linear is a prepared nn.Linear: W [n, k] stored in the backend's dtype, zero-padded to
// [roundUp(n, 128), roundUp(k, 32)] (gemm.cu reads weight tiles without bounds checks), bias in fp32.
type linear struct {
	b    *Backend
	n, k int
	ldw  int
	w    uintptr
	bias uintptr
	hasB bool
}

// packWeights converts W [n, k] to the dtype's bytes, padded to [np, kp].
func packWeights(w []float32, n, k int, dt DType) (buf []byte, ldw int) {
	np, kp := roundUp(max(n, 1), gemmPadN), roundUp(max(k, 1), gemmPadK)
	es := dt.size()
	buf = make([]byte, np*kp*es)
	for r := range n {
		row := w[r*k : (r+1)*k]
		for c, v := range row {
			off := (r*kp + c) * es
			switch dt {
			case FP32:
				*(*float32)(unsafe.Pointer(&buf[off])) = v
			case BF16:
				*(*uint16)(unsafe.Pointer(&buf[off])) = BF16Bits(v)
			case FP16:
				*(*uint16)(unsafe.Pointer(&buf[off])) = FP16Bits(v)
			}
		}
	}
	return buf, kp
}

func (b *Backend) NewLinear(w, bias []float32, n, k int) model.Linear {
	if len(w) < n*k || (bias != nil && len(bias) < n) {
		panic(fmt.Sprintf("cuda: NewLinear: %d weights / %d biases for %dx%d", len(w), len(bias), n, k))
	}
	buf, ldw := packWeights(w, n, k, b.dtype)
	l := &linear{b: b, n: n, k: k, ldw: ldw, w: b.uploadBytes("weights", buf)}
	if bias != nil {
		l.bias, l.hasB = b.upload("bias", bias[:n]), true
	}
	return l
}

func (l *linear) Dims() (int, int) { return l.n, l.k }

func (l *linear) Forward(y, x model.Mat, ep model.Epilogue) {
	needDev("Linear.Forward", y, x)
	if x.Cols != l.k || y.Cols != l.n || y.Rows != x.Rows {
		panic(fmt.Sprintf("cuda: Linear %dx%d: x %dx%d -> y %dx%d", l.n, l.k, x.Rows, x.Cols, y.Rows, y.Cols))
	}
	var res model.Mat
	if ep.Residual != nil {
		res = *ep.Residual
		needDev("Linear.Forward residual", res)
		sameShape("Linear.Forward residual", res, y)
	}
	m := x.Rows
	if m == 0 || l.n == 0 {
		return
	}
	b := l.b
	dt := b.dtype
	bm, bn := 64, 64
	if dt != FP32 {
		bm, bn = gemmTile(m, l.n, b.sms)
	}
	vec := x.Ld%4 == 0 && x.Dev%16 == 0 && l.k%4 == 0
	k, threads := gemmKernel(dt, bm, bn, vec)
	reads := spans(x)
	if ep.Residual != nil {
		reads = append(reads, extent(res))
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.record(launch{k: k, grid: [3]uint32{uint32(ceilDiv(l.n, bn)), uint32(ceilDiv(m, bm)), 1}, block: uint32(threads),
		args: []uint64{argPtr(y.Dev), argInt(y.Ld), argPtr(x.Dev), argInt(x.Ld), argPtr(l.w), argInt(l.ldw),
			argPtr(l.bias), argPtr(res.Dev), argInt(res.Ld), argInt(m), argInt(l.n), argInt(l.k), argInt(int(ep.Act))},
		reads: reads, writes: spans(y)})
}
