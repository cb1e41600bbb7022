// Package safetensors reads and writes safetensors files (the Hugging Face weight format) on top of
// github.com/nlpodyssey/safetensors, with the checks a loader of untrusted files needs.
package safetensors

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
	"syscall"
	"unsafe"

	st "github.com/nlpodyssey/safetensors"

	"github.com/xclipfilter/xclipfilter/internal/safefile"
)

// File is one parsed safetensors buffer: a JSON header naming each tensor's dtype, shape and byte
// range, then the raw little-endian data. Parsing goes through github.com/nlpodyssey/safetensors after a
// first check of our own, so that a truncated or lying file gets an error that says what is wrong with it,
// and nothing is allocated from a size the file claims.
type File struct {
	name   string // file name (or a description) for error messages
	file   st.SafeTensors
	unmap  func() error
	mapped []byte // the file mapping (Open), or nil
	tensor map[string]st.TensorView
}

// safetensorsHeaderLimit bounds the JSON header. The largest published checkpoints have headers of a few
// hundred KiB; a claim beyond this is a corrupt or hostile file.
const safetensorsHeaderLimit = 64 << 20

// Open maps a safetensors file read-only and parses its header. Close releases the mapping;
// tensors read with Float32 are copies and outlive it. Once Float32 or ReadFloat32 has copied a
// tensor, the pages of the mapping it was read from are dropped from the process (they are clean
// file pages: touching them again reads them back from the file), so that loading a checkpoint does not
// keep the whole file resident beside the model built from it.
func Open(path string) (*File, error) {
	f, err := safefile.Open(path, "safetensors file", 0) // mapped, not read: no cap but the address space
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	size := fi.Size()
	if size < 8 {
		return nil, fmt.Errorf("%s: not a safetensors file: %d bytes, shorter than the 8-byte header length", path, size)
	}
	if size > math.MaxInt {
		return nil, fmt.Errorf("%s: file too large (%d bytes)", path, size)
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_PRIVATE)
	if err != nil {
		return nil, fmt.Errorf("%s: mmap: %w", path, err)
	}
	s, err := Parse(path, data)
	if err != nil {
		_ = syscall.Munmap(data)
		return nil, err
	}
	s.unmap = func() error { return syscall.Munmap(data) }
	s.mapped = data
	return s, nil
}

// Parse parses a whole safetensors file held in memory. name is used in errors.
func Parse(name string, data []byte) (*File, error) {
	if err := precheck(data); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	parsed, err := st.Deserialize(data)
	if err != nil {
		return nil, fmt.Errorf("%s: invalid safetensors file: %w", name, err)
	}
	s := &File{name: name, file: parsed, tensor: make(map[string]st.TensorView, parsed.Len())}
	for _, nt := range parsed.Tensors() {
		s.tensor[nt.Name] = nt.TensorView
	}
	return s, nil
}

// precheck validates what the library would otherwise report vaguely: the header length against
// the file size, and every tensor's byte range against the data section, naming the tensor.
func precheck(data []byte) error {
	if len(data) < 8 {
		return fmt.Errorf("not a safetensors file: %d bytes, shorter than the 8-byte header length", len(data))
	}
	n := binary.LittleEndian.Uint64(data)
	if n > safetensorsHeaderLimit {
		return fmt.Errorf("header length %d exceeds the %d-byte limit (corrupt file?)", n, safetensorsHeaderLimit)
	}
	if n > uint64(len(data)-8) {
		return fmt.Errorf("truncated: header length %d runs past the end of the %d-byte file", n, len(data))
	}
	var header map[string]json.RawMessage
	if err := json.Unmarshal(data[8:8+n], &header); err != nil {
		return fmt.Errorf("header is not valid JSON: %w", err)
	}
	dataLen := uint64(len(data)) - 8 - n
	type entry struct {
		name string
		end  uint64
	}
	var worst *entry
	for name, raw := range header {
		if name == "__metadata__" {
			continue
		}
		var info struct {
			DType       string   `json:"dtype"`
			DataOffsets []uint64 `json:"data_offsets"`
		}
		if err := json.Unmarshal(raw, &info); err != nil {
			return fmt.Errorf("tensor %q: malformed header entry: %w", name, err)
		}
		if len(info.DataOffsets) != 2 {
			return fmt.Errorf("tensor %q: data_offsets must have 2 elements, has %d", name, len(info.DataOffsets))
		}
		if info.DataOffsets[1] < info.DataOffsets[0] {
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] end before they start", name, info.DataOffsets[0], info.DataOffsets[1])
		}
		if info.DataOffsets[1] > dataLen && (worst == nil || info.DataOffsets[1] > worst.end) {
			worst = &entry{name, info.DataOffsets[1]}
		}
		if _, err := st.ParseDType(info.DType); err != nil {
			return fmt.Errorf("tensor %q: unsupported dtype %q", name, info.DType)
		}
	}
	if worst != nil {
		return fmt.Errorf("truncated or corrupt: tensor %q ends at byte %d of the data section, which has only %d bytes", worst.name, worst.end, dataLen)
	}
	return nil
}

// Close releases the file mapping (a no-op for in-memory buffers).
func (s *File) Close() error {
	if s.unmap == nil {
		return nil
	}
	err := s.unmap()
	s.unmap, s.mapped = nil, nil
	return err
}

// Name is the file name given at open.
func (s *File) Name() string { return s.name }

// Names lists the tensors, sorted.
func (s *File) Names() []string {
	names := make([]string, 0, len(s.tensor))
	for n := range s.tensor {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Has reports whether the file holds a tensor of that name.
func (s *File) Has(name string) bool { _, ok := s.tensor[name]; return ok }

// Shape returns a tensor's shape, or nil and false when absent.
func (s *File) Shape(name string) ([]int, bool) {
	tv, ok := s.tensor[name]
	if !ok {
		return nil, false
	}
	return intShape(tv.Shape()), true
}

// DType returns a tensor's dtype as the file spells it ("F32", "BF16", ...).
func (s *File) DType(name string) string {
	tv, ok := s.tensor[name]
	if !ok {
		return ""
	}
	return tv.DType().String()
}

func intShape(u []uint64) []int {
	sh := make([]int, len(u))
	for i, v := range u {
		sh[i] = int(v)
	}
	return sh
}

// Float32 returns a copy of a floating-point tensor (F32, F16 or BF16) as float32.
func (s *File) Float32(name string) ([]float32, []int, error) {
	out, err := s.ReadFloat32(name, nil)
	if err != nil {
		return nil, nil, err
	}
	return out, intShape(s.tensor[name].Shape()), nil
}

// ReadFloat32 is Float32 into dst: it converts the tensor into dst[:n] (n its element count) when
// cap(dst) >= n, into a new slice otherwise, and returns that slice.
func (s *File) ReadFloat32(name string, dst []float32) ([]float32, error) {
	tv, ok := s.tensor[name]
	if !ok {
		return nil, fmt.Errorf("%s: no tensor %q", s.name, name)
	}
	raw := tv.Data()
	n := len(raw) / int(tv.DType().Size())
	if cap(dst) >= n {
		dst = dst[:n]
	} else {
		dst = make([]float32, n)
	}
	out := dst
	switch tv.DType() {
	case st.F32:
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
	case st.F16:
		for i := range out {
			out[i] = F16ToF32(binary.LittleEndian.Uint16(raw[2*i:]))
		}
	case st.BF16:
		for i := range out {
			out[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(raw[2*i:])) << 16)
		}
	default:
		return nil, fmt.Errorf("%s: tensor %q has dtype %s; weights must be F32, F16 or BF16", s.name, name, tv.DType())
	}
	s.dropPages(raw)
	return out, nil
}

// dropPages releases the mapped pages that hold b (a tensor's data, read), rounded out to whole pages.
func (s *File) dropPages(b []byte) {
	if s.mapped == nil || len(b) == 0 {
		return
	}
	base := uintptr(unsafe.Pointer(&s.mapped[0]))
	off := int(uintptr(unsafe.Pointer(&b[0])) - base)
	if off < 0 || off+len(b) > len(s.mapped) {
		return
	}
	page := os.Getpagesize()
	lo := off / page * page
	hi := min(len(s.mapped), (off+len(b)+page-1)/page*page)
	dropMapped(s.mapped[lo:hi])
}

// Int64 returns an integer tensor (I64 or I32) as int64: token ids and masks in the golden files.
func (s *File) Int64(name string) ([]int64, []int, error) {
	tv, ok := s.tensor[name]
	if !ok {
		return nil, nil, fmt.Errorf("%s: no tensor %q", s.name, name)
	}
	raw := tv.Data()
	switch tv.DType() {
	case st.I64:
		out := make([]int64, len(raw)/8)
		for i := range out {
			out[i] = int64(binary.LittleEndian.Uint64(raw[8*i:]))
		}
		return out, intShape(tv.Shape()), nil
	case st.I32:
		out := make([]int64, len(raw)/4)
		for i := range out {
			out[i] = int64(int32(binary.LittleEndian.Uint32(raw[4*i:])))
		}
		return out, intShape(tv.Shape()), nil
	}
	return nil, nil, fmt.Errorf("%s: tensor %q has dtype %s, want I64 or I32", s.name, name, tv.DType())
}

// Bytes returns a U8 tensor's data (a view into the file, valid until Close) and its shape.
func (s *File) Bytes(name string) ([]byte, []int, error) {
	tv, ok := s.tensor[name]
	if !ok {
		return nil, nil, fmt.Errorf("%s: no tensor %q", s.name, name)
	}
	if tv.DType() != st.U8 {
		return nil, nil, fmt.Errorf("%s: tensor %q has dtype %s, want U8", s.name, name, tv.DType())
	}
	return tv.Data(), intShape(tv.Shape()), nil
}

// F16ToF32 converts an IEEE 754 half-precision value, subnormals, infinities and NaN included.
func F16ToF32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case exp != 0:
		return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
	case mant == 0:
		return math.Float32frombits(sign)
	}
	// Subnormal: normalise the mantissa.
	e := uint32(113)
	for mant&0x400 == 0 {
		mant <<= 1
		e--
	}
	return math.Float32frombits(sign | e<<23 | (mant&0x3ff)<<13)
}

// Tensor is an F32 tensor to encode.
type Tensor struct {
	Shape []int
	Data  []float32
}

// Encode writes F32 tensors as a safetensors buffer: how formula weights enter the same loader path that
// a checkpoint file takes, and how tests build deliberately broken files.
func Encode(tensors map[string]Tensor, metadata map[string]string) ([]byte, error) {
	views := make(map[string]st.TensorView, len(tensors))
	for name, t := range tensors {
		shape := make([]uint64, len(t.Shape))
		for i, d := range t.Shape {
			shape[i] = uint64(d)
		}
		var raw []byte
		if len(t.Data) > 0 {
			raw = unsafe.Slice((*byte)(unsafe.Pointer(&t.Data[0])), 4*len(t.Data))
		}
		var tv st.TensorView
		var err error
		if len(shape) == 0 { // a scalar: NewTensorView counts zero elements for shape []
			tv, err = scalarView(raw)
		} else {
			tv, err = st.NewTensorView(st.F32, shape, raw)
		}
		if err != nil {
			return nil, fmt.Errorf("tensor %q: %w", name, err)
		}
		views[name] = tv
	}
	buf, err := st.Serialize(views, metadata)
	if err != nil {
		return nil, err
	}
	return buf, nil
}

// scalarView builds a rank-0 F32 view through the library's own deserializer, since NewTensorView rejects
// rank-0 tensors.
func scalarView(raw []byte) (st.TensorView, error) {
	if len(raw) != 4 {
		return st.TensorView{}, fmt.Errorf("scalar has %d bytes, want 4", len(raw))
	}
	hdr := []byte(`{"s":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}`)
	buf := binary.LittleEndian.AppendUint64(nil, uint64(len(hdr)))
	buf = append(append(buf, hdr...), raw...)
	f, err := st.Deserialize(buf)
	if err != nil {
		return st.TensorView{}, err
	}
	tv, _ := f.Tensor("s")
	return tv, nil
}
