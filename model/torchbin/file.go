package torchbin

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/xclipfilter/xclipfilter/internal/safefile"
)

// File is an open pytorch_model.bin: the checked tensor views from its data.pkl, and the file, from which
// each tensor's elements are read (ReadAt) where its storage entry lies.
type File struct {
	name    string // the path, for errors
	f       *os.File
	order   binary.ByteOrder
	tensors map[string]*entry
	names   []string
}

// entry is one tensor and where its storage's bytes start in the file.
type entry struct {
	record
	at int64 // file offset of the storage entry's first byte
}

// Open reads a torch.save zip archive's data.pkl through the restricted unpickler and locates every
// tensor's storage in the archive; nothing from the file is executed. Close releases the file.
func Open(path string) (*File, error) {
	f, err := safefile.Open(path, "pytorch_model.bin", 0) // read in place, not whole: no cap but the file's size
	if err != nil {
		return nil, err
	}
	tf, err := open(path, f)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return tf, nil
}

func open(path string, f *os.File) (*File, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	size := fi.Size()
	zr, err := zip.NewReader(f, size)
	if err != nil {
		return nil, fmt.Errorf("%s: %s", path, notZip(f, err))
	}
	entries := make(map[string]*zip.File, len(zr.File))
	var pkl []*zip.File
	for _, zf := range zr.File {
		if _, dup := entries[zf.Name]; dup {
			return nil, fmt.Errorf("%s: the archive has two entries named %q", path, zf.Name)
		}
		entries[zf.Name] = zf
		if dir, base, ok := strings.Cut(zf.Name, "/"); ok && dir != "" && base == "data.pkl" {
			pkl = append(pkl, zf)
		}
	}
	if len(pkl) != 1 {
		return nil, fmt.Errorf("%s: a torch.save archive has one <name>/data.pkl; this one has %d", path, len(pkl))
	}
	prefix := strings.TrimSuffix(pkl[0].Name, "data.pkl")
	data, err := readSmall(pkl[0], maxPickleBytes)
	if err != nil {
		return nil, fmt.Errorf("%s: data.pkl: %w", path, err)
	}
	records, err := stateDict(data)
	if err != nil {
		return nil, fmt.Errorf("%s: data.pkl: %w", path, err)
	}
	order, err := byteOrder(entries[prefix+"byteorder"])
	if err != nil {
		return nil, fmt.Errorf("%s: byteorder: %w", path, err)
	}
	t := &File{name: path, f: f, order: order, tensors: make(map[string]*entry, len(records))}
	starts := map[string]int64{} // storage key -> data offset, located once per storage
	for _, r := range records {
		zf := entries[prefix+"data/"+r.key]
		if zf == nil {
			return nil, fmt.Errorf("%s: tensor %q: its storage data/%s is not in the archive", path, r.name, r.key)
		}
		at, ok := starts[r.key]
		if !ok {
			if at, err = storageStart(zf, size); err != nil {
				return nil, fmt.Errorf("%s: tensor %q: storage data/%s: %w", path, r.name, r.key, err)
			}
			starts[r.key] = at
		}
		if need := (r.offset + r.extent) * r.dtype.Size(); r.numel > 0 && uint64(need) > zf.UncompressedSize64 {
			return nil, fmt.Errorf("%s: tensor %q: view of shape %v at offset %d needs %d bytes of storage data/%s, which has %d",
				path, r.name, r.shape, r.offset, need, r.key, zf.UncompressedSize64)
		}
		if r.numel > math.MaxInt/8 {
			return nil, fmt.Errorf("%s: tensor %q: %d elements are too many for this system", path, r.name, r.numel)
		}
		t.tensors[r.name] = &entry{record: r, at: at}
		t.names = append(t.names, r.name)
	}
	return t, nil
}

// storageStart checks that a storage entry is stored (torch.save never compresses them, and reading
// tensors in place needs the raw bytes) and lies inside the file, and returns where its data starts.
func storageStart(zf *zip.File, fileSize int64) (int64, error) {
	if zf.Method != zip.Store {
		return 0, fmt.Errorf("compressed (zip method %d); torch.save stores storages uncompressed", zf.Method)
	}
	if zf.CompressedSize64 != zf.UncompressedSize64 {
		return 0, fmt.Errorf("stored entry of %d bytes claims %d uncompressed", zf.CompressedSize64, zf.UncompressedSize64)
	}
	at, err := zf.DataOffset()
	if err != nil {
		return 0, err
	}
	if at < 0 || zf.UncompressedSize64 > uint64(fileSize) || at > fileSize-int64(zf.UncompressedSize64) {
		return 0, fmt.Errorf("truncated: %d bytes at offset %d run past the end of the %d-byte file", zf.UncompressedSize64, at, fileSize)
	}
	return at, nil
}

// readSmall reads a whole (possibly deflated) entry of at most limit bytes; the zip reader checks its CRC.
func readSmall(zf *zip.File, limit int64) ([]byte, error) {
	if zf.UncompressedSize64 > uint64(limit) {
		return nil, fmt.Errorf("%d bytes, more than the %d-byte limit", zf.UncompressedSize64, limit)
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, int64(zf.UncompressedSize64)+1))
	if err != nil {
		return nil, err
	}
	if uint64(len(data)) != zf.UncompressedSize64 {
		return nil, fmt.Errorf("entry holds %d bytes, its header says %d", len(data), zf.UncompressedSize64)
	}
	return data, nil
}

// byteOrder reads the archive's byteorder entry ("little" or "big"); archives written before torch 1.9
// have none and are little-endian.
func byteOrder(zf *zip.File) (binary.ByteOrder, error) {
	if zf == nil {
		return binary.LittleEndian, nil
	}
	b, err := readSmall(zf, 16)
	if err != nil {
		return nil, err
	}
	switch string(b) {
	case "little":
		return binary.LittleEndian, nil
	case "big":
		return binary.BigEndian, nil
	}
	return nil, fmt.Errorf("%q, want \"little\" or \"big\"", b)
}

// notZip explains why a file is not a torch.save zip archive, recognising the legacy (torch < 1.6)
// format, which is a sequence of pickles.
func notZip(f *os.File, err error) string {
	head := make([]byte, 4)
	if n, _ := f.ReadAt(head, 0); n == 4 && bytes.Equal(head, []byte{0x80, 0x02, 0x8a, 0x0a}) {
		return "legacy torch.save format (PyTorch < 1.6), which is not read: re-save it with a current torch, or as safetensors"
	}
	if errors.Is(err, zip.ErrFormat) {
		return "not a torch.save zip archive: " + err.Error()
	}
	return "reading the zip directory: " + err.Error()
}

// Close releases the file.
func (t *File) Close() error {
	if t.f == nil {
		return nil
	}
	err := t.f.Close()
	t.f = nil
	return err
}

// Name is the path given to Open.
func (t *File) Name() string { return t.name }

// Names lists the tensors, sorted.
func (t *File) Names() []string { return append([]string(nil), t.names...) }

// Has reports whether the file holds a tensor of that name.
func (t *File) Has(name string) bool { _, ok := t.tensors[name]; return ok }

// Shape returns a tensor's shape, or nil and false when absent.
func (t *File) Shape(name string) ([]int, bool) {
	e, ok := t.tensors[name]
	if !ok {
		return nil, false
	}
	shape := make([]int, len(e.shape))
	for i, n := range e.shape {
		shape[i] = int(n) // n <= maxNumel, which fits int on 64-bit systems
	}
	return shape, true
}

// DType returns a tensor's element type ("F32", "F16", "BF16", "F64", "I64", ...), or "" when absent.
func (t *File) DType(name string) string {
	e, ok := t.tensors[name]
	if !ok {
		return ""
	}
	return string(e.dtype)
}
