package torchbin

import (
	"encoding/binary"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/xclipfilter/xclipfilter/internal/golden"
	"github.com/xclipfilter/xclipfilter/model/safetensors"
)

// The golden tiny-b checkpoint has the same state dict as pytorch_model.bin (torch.save) and as
// model.safetensors: every tensor must come out bit for bit the same.
func TestTinyBMatchesSafetensors(t *testing.T) {
	dir := golden.Checkpoint(t, "xclip-tiny-b")
	bin, err := Open(filepath.Join(dir, "pytorch_model.bin"))
	if err != nil {
		t.Fatal(err)
	}
	defer bin.Close()
	st, err := safetensors.Open(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if !slices.Equal(bin.Names(), st.Names()) {
		t.Fatalf("pytorch_model.bin has tensors %v,\nmodel.safetensors %v", bin.Names(), st.Names())
	}
	for _, name := range st.Names() {
		bs, _ := bin.Shape(name)
		ss, _ := st.Shape(name)
		if !slices.Equal(bs, ss) || bin.DType(name) != st.DType(name) {
			t.Errorf("%s: %s %v in the .bin, %s %v in the safetensors", name, bin.DType(name), bs, st.DType(name), ss)
			continue
		}
		if st.DType(name) != "F32" {
			continue // position_ids (I64) are not weights
		}
		got, err := bin.ReadFloat32(name, nil)
		if err != nil {
			t.Fatal(err)
		}
		want, err := st.ReadFloat32(name, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
		}
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s[%d] = %v, safetensors has %v", name, i, got[i], want[i])
			}
		}
	}
	t.Logf("%d tensors identical", len(st.Names()))
}

func TestEncodeRoundTrip(t *testing.T) {
	in := map[string]Tensor{
		"a.weight": {Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, 5, float32(math.Inf(-1))}},
		"scalar":   {Shape: []int{}, Data: []float32{0.25}},
		"empty":    {Shape: []int{0, 4}, Data: []float32{}},
	}
	b, err := Encode(in)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Open(writeFile(t, b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if want := []string{"a.weight", "empty", "scalar"}; !slices.Equal(f.Names(), want) {
		t.Fatalf("names %v, want %v", f.Names(), want)
	}
	for name, want := range in {
		shape, ok := f.Shape(name)
		if !ok || !slices.Equal(shape, want.Shape) {
			t.Errorf("%s: shape %v, want %v", name, shape, want.Shape)
		}
		got, err := f.ReadFloat32(name, make([]float32, 0, 16))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want.Data) {
			t.Errorf("%s: %v, want %v", name, got, want.Data)
		}
	}
}

// Half, bfloat16 and double storages, big-endian archives, Parameters, views at an offset, views that
// share a storage and transposed views all read as torch would present them.
func TestDTypesOrderAndStrides(t *testing.T) {
	half := []byte{0x00, 0x3c, 0x00, 0xc0, 0x00, 0x38} // 1, -2, 0.5
	bf16 := []byte{0x80, 0x3f, 0x00, 0xc0, 0x00, 0x3f} // 1, -2, 0.5
	var f64 []byte
	for _, v := range []float64{1, -2, 0.5} {
		f64 = binary.LittleEndian.AppendUint64(f64, math.Float64bits(v))
	}
	pkl := statePickle(
		view{name: "half", class: "HalfStorage", key: "h", numel: 3, shape: []int64{3}, stride: []int64{1}},
		view{name: "bf16", class: "BFloat16Storage", key: "b", numel: 3, shape: []int64{3}, stride: []int64{1}, parameter: true},
		view{name: "f64", class: "DoubleStorage", key: "d", numel: 3, shape: []int64{1, 3}, stride: []int64{3, 1}},
		view{name: "mid", class: "FloatStorage", key: "s", numel: 6, offset: 2, shape: []int64{2}, stride: []int64{1}},
		view{name: "transposed", class: "FloatStorage", key: "s", numel: 6, shape: []int64{3, 2}, stride: []int64{1, 3}},
		view{name: "expanded", class: "FloatStorage", key: "s", numel: 6, offset: 5, shape: []int64{2, 2}, stride: []int64{0, 0}},
		view{name: "ids", class: "LongStorage", key: "i", numel: 2, shape: []int64{1, 2}, stride: []int64{2, 1}},
	)
	path := withPickle(t, pkl, map[string][]byte{"h": half, "b": bf16, "d": f64, "s": le32(0, 1, 2, 3, 4, 5), "i": make([]byte, 16)})
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[string][]float32{
		"half": {1, -2, 0.5}, "bf16": {1, -2, 0.5}, "f64": {1, -2, 0.5},
		"mid": {2, 3}, "transposed": {0, 3, 1, 4, 2, 5}, "expanded": {5, 5, 5, 5},
	}
	for name, w := range want {
		got, err := f.ReadFloat32(name, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, w) {
			t.Errorf("%s: %v, want %v", name, got, w)
		}
	}
	if d := f.DType("bf16"); d != "BF16" {
		t.Errorf("bf16 has dtype %s", d)
	}
	if _, err := f.ReadFloat32("ids", nil); err == nil {
		t.Error("ReadFloat32 of an I64 tensor succeeded")
	}

	// The same values big-endian.
	big := le32(0, 1, 2, 3, 4, 5)
	for i := 0; i < len(big); i += 4 {
		binary.BigEndian.PutUint32(big[i:], binary.LittleEndian.Uint32(big[i:]))
	}
	pkl = statePickle(view{name: "transposed", class: "FloatStorage", key: "s", numel: 6, shape: []int64{3, 2}, stride: []int64{1, 3}})
	f2, err := Open(archive(t, member{name: "data.pkl", data: pkl}, member{name: "byteorder", data: []byte("big")}, member{name: "data/s", data: big}))
	if err != nil {
		t.Fatal(err)
	}
	defer f2.Close()
	if got, err := f2.ReadFloat32("transposed", nil); err != nil || !slices.Equal(got, want["transposed"]) {
		t.Errorf("big-endian transposed: %v, %v", got, err)
	}
}
