package torchbin

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"strconv"
)

// Tensor is an F32 tensor to encode.
type Tensor struct {
	Shape []int
	Data  []float32
}

// Encode writes F32 tensors as torch.save writes a state dict (a zip archive with archive/data.pkl, a
// protocol-2 pickle of an OrderedDict of _rebuild_tensor_v2 calls, and one stored data/<key> entry per
// tensor): how tests build PyTorch checkpoints, sharded ones included, without Python.
func Encode(tensors map[string]Tensor) ([]byte, error) {
	names := make([]string, 0, len(tensors))
	for n := range tensors {
		names = append(names, n)
	}
	sort.Strings(names)
	var p pickler
	p.op(opProto, 2)
	p.global("collections", "OrderedDict")
	p.op(opEmptyTuple, opReduce, opMark)
	for i, name := range names {
		t := tensors[name]
		numel := 1
		for _, d := range t.Shape {
			numel *= d
		}
		if numel != len(t.Data) {
			return nil, fmt.Errorf("tensor %q: shape %v has %d elements, data %d", name, t.Shape, numel, len(t.Data))
		}
		p.str(name)
		p.global("torch._utils", "_rebuild_tensor_v2")
		p.op(opMark, opMark)
		p.str("storage")
		p.global("torch", "FloatStorage")
		p.str(strconv.Itoa(i))
		p.str("cpu")
		p.int(int64(numel))
		p.op(opTuple, opBinPersID)
		p.int(0)
		p.op(opMark)
		for _, d := range t.Shape {
			p.int(int64(d))
		}
		p.op(opTuple, opMark)
		stride := 1
		strides := make([]int64, len(t.Shape))
		for d := len(t.Shape) - 1; d >= 0; d-- {
			strides[d] = int64(stride)
			stride *= t.Shape[d]
		}
		for _, s := range strides {
			p.int(s)
		}
		p.op(opTuple, opNewFalse)
		p.global("collections", "OrderedDict")
		p.op(opEmptyTuple, opReduce, opTuple, opReduce)
	}
	p.op(opSetItems, opStop)

	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	put := func(name string, data []byte) error {
		w, err := z.CreateHeader(&zip.FileHeader{Name: "archive/" + name, Method: zip.Store})
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	}
	if err := put("data.pkl", p.b); err != nil {
		return nil, err
	}
	if err := put("byteorder", []byte("little")); err != nil {
		return nil, err
	}
	for i, name := range names {
		raw := make([]byte, 0, 4*len(tensors[name].Data))
		for _, v := range tensors[name].Data {
			raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
		}
		if err := put("data/"+strconv.Itoa(i), raw); err != nil {
			return nil, err
		}
	}
	if err := put("version", []byte("3\n")); err != nil {
		return nil, err
	}
	if err := z.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// pickler writes the few opcodes Encode needs.
type pickler struct{ b []byte }

func (p *pickler) op(ops ...byte) { p.b = append(p.b, ops...) }

func (p *pickler) global(module, name string) {
	p.b = append(p.b, opGlobal)
	p.b = append(append(append(append(p.b, module...), '\n'), name...), '\n')
}

func (p *pickler) str(s string) {
	p.b = append(p.b, opBinUnicode)
	p.b = binary.LittleEndian.AppendUint32(p.b, uint32(len(s)))
	p.b = append(p.b, s...)
}

func (p *pickler) int(v int64) {
	if v >= math.MinInt32 && v <= math.MaxInt32 {
		p.b = append(p.b, opBinInt)
		p.b = binary.LittleEndian.AppendUint32(p.b, uint32(int32(v)))
		return
	}
	p.b = append(p.b, opLong1, 8)
	p.b = binary.LittleEndian.AppendUint64(p.b, uint64(v))
}
