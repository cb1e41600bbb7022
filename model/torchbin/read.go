package torchbin

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/xclipfilter/xclipfilter/model/safetensors"
)

// readChunk is how many bytes of a storage are read and converted at a time: the only buffer besides dst.
const readChunk = 1 << 20

// ReadFloat32 converts a floating-point tensor (F32, F16, BF16 or F64) to float32 into dst[:n] (n its
// element count) when cap(dst) >= n, into a new slice otherwise, and returns that slice. Row-major views
// are read from the file in chunks; other strides gather from the span of the storage the view covers.
func (t *File) ReadFloat32(name string, dst []float32) ([]float32, error) {
	e, ok := t.tensors[name]
	if !ok {
		return nil, fmt.Errorf("%s: no tensor %q", t.name, name)
	}
	if t.f == nil {
		return nil, fmt.Errorf("%s: closed", t.name)
	}
	switch e.dtype {
	case "F32", "F16", "BF16", "F64":
	default:
		return nil, fmt.Errorf("%s: tensor %q has dtype %s; weights must be F32, F16, BF16 or F64", t.name, name, e.dtype)
	}
	n := int(e.numel)
	if cap(dst) >= n {
		dst = dst[:n]
	} else {
		dst = make([]float32, n)
	}
	if n == 0 {
		return dst, nil
	}
	var err error
	if e.contiguous() {
		err = t.readContiguous(e, dst)
	} else {
		err = t.gather(e, dst)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: tensor %q: %w", t.name, name, err)
	}
	return dst, nil
}

func (t *File) readContiguous(e *entry, dst []float32) error {
	size := int(e.dtype.Size())
	buf := make([]byte, min(readChunk, len(dst)*size))
	per := len(buf) / size
	for done := 0; done < len(dst); {
		k := min(len(dst)-done, per)
		if _, err := t.f.ReadAt(buf[:k*size], e.at+(e.offset+int64(done))*int64(size)); err != nil {
			return err
		}
		convert(dst[done:done+k], buf[:k*size], e.dtype, t.order)
		done += k
	}
	return nil
}

// gather reads the storage span [offset, offset+extent) the view covers and picks its elements in
// row-major order (a view's span is at most its storage, which open checked against the file).
func (t *File) gather(e *entry, dst []float32) error {
	size := int64(e.dtype.Size())
	span := make([]byte, e.extent*size)
	if _, err := t.f.ReadAt(span, e.at+e.offset*size); err != nil {
		return err
	}
	rank := len(e.shape)
	index := make([]int64, rank) // the multi-index of element i
	var at int64                 // its element offset in span
	elem := make([]byte, size)
	for i := range dst {
		copy(elem, span[at*size:(at+1)*size])
		convert(dst[i:i+1], elem, e.dtype, t.order)
		for d := rank - 1; d >= 0; d-- { // odometer step
			index[d]++
			at += e.stride[d]
			if index[d] < e.shape[d] {
				break
			}
			at -= index[d] * e.stride[d]
			index[d] = 0
		}
	}
	return nil
}

// convert turns len(dst) elements of src, of the given type and byte order, into float32.
func convert(dst []float32, src []byte, dtype DType, order binary.ByteOrder) {
	switch dtype {
	case "F32":
		for i := range dst {
			dst[i] = math.Float32frombits(order.Uint32(src[4*i:]))
		}
	case "F16":
		for i := range dst {
			dst[i] = safetensors.F16ToF32(order.Uint16(src[2*i:]))
		}
	case "BF16":
		for i := range dst {
			dst[i] = math.Float32frombits(uint32(order.Uint16(src[2*i:])) << 16)
		}
	case "F64":
		for i := range dst {
			dst[i] = float32(math.Float64frombits(order.Uint64(src[8*i:])))
		}
	}
}
