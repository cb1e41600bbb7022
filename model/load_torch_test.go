package model_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xclipfilter/xclipfilter/cpu"
	"github.com/xclipfilter/xclipfilter/internal/golden"
	"github.com/xclipfilter/xclipfilter/model"
	"github.com/xclipfilter/xclipfilter/model/safetensors"
	"github.com/xclipfilter/xclipfilter/model/torchbin"
)

// copyCheckpoint copies tiny-b's folder without its safetensors weights, so that Load must take the
// PyTorch path; extra files are written beside.
func copyCheckpoint(t *testing.T, src string, keepBin bool, extra map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		n := e.Name()
		if strings.HasSuffix(n, ".safetensors") || (n == "pytorch_model.bin" && !keepBin) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, n))
		if err != nil {
			t.Fatal(err)
		}
		extra[n] = b
	}
	for n, b := range extra {
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// sameOutputs runs both models on tiny-b's golden inputs and wants every output bit for bit equal: the
// weights are the same float32 values, so the computation must be too.
func sameOutputs(t *testing.T, src string, got, want *model.Model) {
	t.Helper()
	g, err := safetensors.Open(filepath.Join(src, "golden.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	pixels, _ := goldenTensor(t, g, "pixel_values")
	a, b := peerOutputs(t, got, g, pixels), peerOutputs(t, want, g, pixels)
	for _, key := range tinyGoldenNames {
		if len(a[key]) != len(b[key]) || len(a[key]) == 0 {
			t.Fatalf("%s: %d values from pytorch_model.bin, %d from model.safetensors", key, len(a[key]), len(b[key]))
		}
		for i := range a[key] {
			if math.Float32bits(a[key][i]) != math.Float32bits(b[key][i]) {
				t.Fatalf("%s[%d] = %v from pytorch_model.bin, %v from model.safetensors", key, i, a[key][i], b[key][i])
			}
		}
	}
	t.Logf("logits_per_video %v", a["logits_per_video"])
}

func TestLoadPytorchBin(t *testing.T) {
	src := golden.Checkpoint(t, "xclip-tiny-b")
	want, err := model.Load(src, model.Options{Backend: cpu.New(cpu.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	dir := copyCheckpoint(t, src, true, map[string][]byte{})
	m, err := model.Load(dir, model.Options{Backend: cpu.New(cpu.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	if m.Info.Weights != filepath.Join(dir, "pytorch_model.bin") || m.Info.Parameters != want.Info.Parameters {
		t.Errorf("loaded %d parameters from %s, want %d from pytorch_model.bin", m.Info.Parameters, m.Info.Weights, want.Info.Parameters)
	}
	sameOutputs(t, src, m, want)
}

// A sharded PyTorch checkpoint (pytorch_model.bin.index.json + shards) loads like a sharded safetensors one.
func TestLoadPytorchBinShards(t *testing.T) {
	src := golden.Checkpoint(t, "xclip-tiny-b")
	want, err := model.Load(src, model.Options{Backend: cpu.New(cpu.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	st, err := safetensors.Open(filepath.Join(src, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	shards := []map[string]torchbin.Tensor{{}, {}}
	weightMap := map[string]string{}
	for _, name := range st.Names() {
		if st.DType(name) != "F32" {
			continue // position_ids: not weights
		}
		d, shape, err := st.Float32(name)
		if err != nil {
			t.Fatal(err)
		}
		i := 0
		if strings.HasPrefix(name, "vision_model.") || strings.HasPrefix(name, "mit.") {
			i = 1
		}
		shards[i][name] = torchbin.Tensor{Shape: shape, Data: d}
		weightMap[name] = []string{"pytorch_model-00001-of-00002.bin", "pytorch_model-00002-of-00002.bin"}[i]
	}
	files := map[string][]byte{}
	for i, s := range shards {
		b, err := torchbin.Encode(s)
		if err != nil {
			t.Fatal(err)
		}
		files[[]string{"pytorch_model-00001-of-00002.bin", "pytorch_model-00002-of-00002.bin"}[i]] = b
	}
	index, err := json.Marshal(map[string]any{"metadata": map[string]any{}, "weight_map": weightMap})
	if err != nil {
		t.Fatal(err)
	}
	files["pytorch_model.bin.index.json"] = index
	dir := copyCheckpoint(t, src, false, files)
	m, err := model.Load(dir, model.Options{Backend: cpu.New(cpu.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(m.Info.Weights, "pytorch_model.bin.index.json") {
		t.Errorf("weights from %s, want the index", m.Info.Weights)
	}
	sameOutputs(t, src, m, want)

	// The index must be truthful.
	weightMap["vision_model.post_layernorm.bias"] = "pytorch_model-00001-of-00002.bin"
	lying, _ := json.Marshal(map[string]any{"weight_map": weightMap})
	files["pytorch_model.bin.index.json"] = lying
	expectLoadError(t, copyCheckpoint(t, src, false, files), `tensor "vision_model.post_layernorm.bias" is in pytorch_model-00001-of-00002.bin, but it is not`)
	files["pytorch_model.bin.index.json"] = index
	delete(files, "pytorch_model-00002-of-00002.bin")
	expectLoadError(t, copyCheckpoint(t, src, false, files), "names shard pytorch_model-00002-of-00002.bin, which is missing")
}

// A pytorch_model.bin that tries to run code is refused, naming the file and the global; nothing runs.
func TestLoadPytorchBinRefusesCode(t *testing.T) {
	src := golden.Checkpoint(t, "xclip-tiny-b")
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	w, err := z.CreateHeader(&zip.FileHeader{Name: "archive/data.pkl", Method: zip.Store})
	if err != nil {
		t.Fatal(err)
	}
	// pickle.dumps of a __reduce__ returning (posix.system, ("touch pwned",)), protocol 2
	exploit := "\x80\x02cposix\nsystem\nq\x00X\x0b\x00\x00\x00touch pwnedq\x01\x85q\x02Rq\x03."
	if _, err := w.Write([]byte(exploit)); err != nil {
		t.Fatal(err)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	dir := copyCheckpoint(t, src, false, map[string][]byte{"pytorch_model.bin": buf.Bytes()})
	expectLoadError(t, dir, filepath.Join(dir, "pytorch_model.bin"), "data.pkl", "refusing to load global posix.system")
	if _, err := os.Stat(filepath.Join(dir, "pwned")); err == nil {
		t.Fatal("the exploit ran")
	}
}
