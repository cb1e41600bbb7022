package torchbin

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// view is one _rebuild_tensor_v2 call a test pickle makes.
type view struct {
	name, class, key string
	numel, offset    int64
	shape, stride    []int64
	parameter        bool // wrap in torch._utils._rebuild_parameter
}

// tensorCall appends the opcodes torch.save writes for one tensor (as in the tiny-b data.pkl).
func tensorCall(p *pickler, v view) {
	if v.parameter {
		p.global("torch._utils", "_rebuild_parameter")
		p.op(opMark)
	}
	p.global("torch._utils", "_rebuild_tensor_v2")
	p.op(opMark, opMark)
	p.str("storage")
	p.global("torch", v.class)
	p.str(v.key)
	p.str("cpu")
	p.int(v.numel)
	p.op(opTuple, opBinPersID)
	p.int(v.offset)
	ints(p, v.shape)
	ints(p, v.stride)
	p.op(opNewFalse)
	p.global("collections", "OrderedDict")
	p.op(opEmptyTuple, opReduce, opTuple, opReduce)
	if v.parameter {
		p.op(opNewFalse)
		p.global("collections", "OrderedDict")
		p.op(opEmptyTuple, opReduce, opTuple, opReduce)
	}
}

func ints(p *pickler, v []int64) {
	p.op(opMark)
	for _, n := range v {
		p.int(n)
	}
	p.op(opTuple)
}

// statePickle is a state dict pickle of the given views, with the _metadata BUILD torch.save adds.
func statePickle(views ...view) []byte {
	var p pickler
	p.op(opProto, 2)
	p.global("collections", "OrderedDict")
	p.op(opEmptyTuple, opReduce, opMark)
	for _, v := range views {
		p.str(v.name)
		tensorCall(&p, v)
	}
	p.op(opSetItems, opEmptyDict)
	p.str("_metadata")
	p.global("collections", "OrderedDict")
	p.op(opEmptyTuple, opReduce, opSetItem, opBuild, opStop)
	return p.b
}

// member is one zip entry of a test archive.
type member struct {
	name   string
	data   []byte
	method uint16
}

// archive writes a torch.save-like zip of the given members (names under archive/) to a temp file.
func archive(t *testing.T, members ...member) string {
	t.Helper()
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for _, m := range members {
		w, err := z.CreateHeader(&zip.FileHeader{Name: "archive/" + m.name, Method: m.method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(m.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return writeFile(t, buf.Bytes())
}

func writeFile(t *testing.T, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pytorch_model.bin")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// withPickle is an archive holding pkl as data.pkl and the given storages (key -> bytes).
func withPickle(t *testing.T, pkl []byte, storages map[string][]byte) string {
	t.Helper()
	ms := []member{{name: "data.pkl", data: pkl}, {name: "byteorder", data: []byte("little")}}
	keys := make([]string, 0, len(storages))
	for k := range storages {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ms = append(ms, member{name: "data/" + k, data: storages[k]})
	}
	return archive(t, ms...)
}

func le32(vals ...float32) []byte {
	var b []byte
	for _, v := range vals {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

// expectOpenError opens path and wants an error naming the file and each of wants.
func expectOpenError(t *testing.T, path string, wants ...string) {
	t.Helper()
	f, err := Open(path)
	if err == nil {
		f.Close()
		t.Fatalf("Open succeeded, want an error mentioning %q", wants)
	}
	for _, w := range append([]string{path}, wants...) {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
}
