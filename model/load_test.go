package model_test

import (
	"encoding/binary"
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
)

// tinyTensors reads the tiny-a checkpoint's tensors, to build broken variants from.
func tinyTensors(t *testing.T) (string, map[string]safetensors.Tensor) {
	t.Helper()
	dir := golden.Fixture(t, "xclip-tiny-a")
	f, err := safetensors.Open(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]safetensors.Tensor{}
	for _, n := range f.Names() {
		d, s, err := f.Float32(n)
		if err != nil {
			t.Fatal(err)
		}
		out[n] = safetensors.Tensor{Shape: s, Data: d}
	}
	return dir, out
}

// checkpoint writes a folder with tiny-a's config and the given weights file bytes.
func checkpoint(t *testing.T, src string, weights []byte) string {
	t.Helper()
	dir := t.TempDir()
	cfg, err := os.ReadFile(filepath.Join(src, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	if weights != nil {
		if err := os.WriteFile(filepath.Join(dir, "model.safetensors"), weights, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func encode(t *testing.T, m map[string]safetensors.Tensor) []byte {
	t.Helper()
	b, err := safetensors.Encode(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func expectLoadError(t *testing.T, dir string, wants ...string) {
	t.Helper()
	_, err := model.Load(dir, model.Options{Backend: cpu.New(cpu.Options{})})
	if err == nil {
		t.Fatalf("Load succeeded, want an error mentioning %q", wants)
	}
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
}

func TestLoadBadCheckpoints(t *testing.T) {
	src, tensors := tinyTensors(t)
	good := encode(t, tensors)

	t.Run("missing config", func(t *testing.T) {
		dir := t.TempDir()
		expectLoadError(t, dir, "config.json")
	})
	t.Run("malformed config", func(t *testing.T) {
		dir := checkpoint(t, src, good)
		os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"text_config": {"hidden_size": "big"`), 0o644)
		expectLoadError(t, dir, "config.json", "malformed")
	})
	t.Run("config with bad sizes", func(t *testing.T) {
		dir := checkpoint(t, src, good)
		os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"vision_config": {"hidden_size": 100, "num_attention_heads": 12}}`), 0o644)
		expectLoadError(t, dir, "vision_config.hidden_size (100) is not divisible by vision_config.num_attention_heads (12)")
	})
	t.Run("unknown activation", func(t *testing.T) {
		dir := checkpoint(t, src, good)
		os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"text_config": {"hidden_act": "swish"}}`), 0o644)
		expectLoadError(t, dir, "text_config.hidden_act", "swish")
	})
	t.Run("no weights", func(t *testing.T) {
		expectLoadError(t, checkpoint(t, src, nil), "no model.safetensors")
	})
	t.Run("missing, unexpected and mis-shaped tensors in one error", func(t *testing.T) {
		m := map[string]safetensors.Tensor{}
		for k, v := range tensors {
			m[k] = v
		}
		delete(m, "text_projection.weight")
		delete(m, "mit.encoder.layers.0.mlp.fc1.bias")
		m["visual_projection.weight"] = safetensors.Tensor{Shape: []int{64, 40}, Data: m["visual_projection.weight"].Data}
		m["extra.weight"] = safetensors.Tensor{Shape: []int{2}, Data: []float32{1, 2}}
		m["text_model.embeddings.position_ids"] = safetensors.Tensor{Shape: []int{1, 77}, Data: make([]float32, 77)}
		expectLoadError(t, checkpoint(t, src, encode(t, m)),
			"5 problem(s)", "config.json: projection_dim = 40 but visual_projection.weight is [64 40]",
			"missing tensor text_projection.weight [40 24]", "missing tensor mit.encoder.layers.0.mlp.fc1.bias",
			"tensor visual_projection.weight has shape [64 40], want [40 64]", "unexpected tensor extra.weight")
	})
	t.Run("truncated file", func(t *testing.T) {
		expectLoadError(t, checkpoint(t, src, good[:len(good)-100]), "model.safetensors", "truncated")
	})
	t.Run("header offsets past the end", func(t *testing.T) {
		bad := rewriteHeader(t, good, func(h map[string]any) {
			e := h["logit_scale"].(map[string]any)
			e["data_offsets"] = []any{0, 1 << 40}
		})
		expectLoadError(t, checkpoint(t, src, bad), "model.safetensors", "logit_scale", "1099511627776")
	})
	t.Run("header length past the end", func(t *testing.T) {
		bad := append([]byte(nil), good...)
		binary.LittleEndian.PutUint64(bad, uint64(len(good)))
		expectLoadError(t, checkpoint(t, src, bad), "model.safetensors", "header length")
	})
	t.Run("huge header length", func(t *testing.T) {
		bad := append([]byte(nil), good...)
		binary.LittleEndian.PutUint64(bad, 1<<62)
		expectLoadError(t, checkpoint(t, src, bad), "model.safetensors", "exceeds")
	})
	t.Run("unsupported dtype", func(t *testing.T) {
		bad := rewriteHeader(t, good, func(h map[string]any) {
			h["logit_scale"].(map[string]any)["dtype"] = "F8_E4M3"
		})
		expectLoadError(t, checkpoint(t, src, bad), "logit_scale", "unsupported dtype \"F8_E4M3\"")
	})
	t.Run("integer weights", func(t *testing.T) {
		bad := rewriteHeader(t, good, func(h map[string]any) {
			h["logit_scale"].(map[string]any)["dtype"] = "I32"
		})
		expectLoadError(t, checkpoint(t, src, bad), "logit_scale", "I32")
	})
	t.Run("empty file", func(t *testing.T) {
		expectLoadError(t, checkpoint(t, src, []byte{}), "model.safetensors", "not a safetensors file")
	})
}

// rewriteHeader edits a safetensors buffer's JSON header, keeping its data.
func rewriteHeader(t *testing.T, buf []byte, edit func(map[string]any)) []byte {
	t.Helper()
	n := binary.LittleEndian.Uint64(buf)
	var h map[string]any
	if err := json.Unmarshal(buf[8:8+n], &h); err != nil {
		t.Fatal(err)
	}
	edit(h)
	hdr, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	for len(hdr)%8 != 0 {
		hdr = append(hdr, ' ')
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(hdr)))
	return append(append(out, hdr...), buf[8+n:]...)
}

// TestLoadDTypesAndShards loads tiny-a stored as F16 and BF16 shards through an index, and checks the
// logits stay close to the F32 checkpoint's.
func TestLoadDTypesAndShards(t *testing.T) {
	src, tensors := tinyTensors(t)
	ref, err := model.Load(src, model.Options{Backend: cpu.New(cpu.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	// Shard 1: text tensors as BF16; shard 2: everything else as F16. Written by hand: Encode makes F32.
	shard1, shard2 := map[string]safetensors.Tensor{}, map[string]safetensors.Tensor{}
	weightMap := map[string]string{}
	for k, v := range tensors {
		if strings.HasPrefix(k, "text_model.") {
			shard1[k] = v
			weightMap[k] = "model-00001-of-00002.safetensors"
		} else {
			shard2[k] = v
			weightMap[k] = "model-00002-of-00002.safetensors"
		}
	}
	dir := checkpoint(t, src, nil)
	os.WriteFile(filepath.Join(dir, "model-00001-of-00002.safetensors"), toHalf(t, encode(t, shard1), "BF16"), 0o644)
	os.WriteFile(filepath.Join(dir, "model-00002-of-00002.safetensors"), toHalf(t, encode(t, shard2), "F16"), 0o644)
	idx, _ := json.Marshal(map[string]any{"metadata": map[string]any{}, "weight_map": weightMap})
	os.WriteFile(filepath.Join(dir, "model.safetensors.index.json"), idx, 0o644)
	m, err := model.Load(dir, model.Options{Backend: cpu.New(cpu.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	if m.Info.DTypes["BF16"] == 0 || m.Info.DTypes["F16"] == 0 || m.Info.Parameters != ref.Info.Parameters {
		t.Errorf("info %+v", m.Info)
	}
	g, err := safetensors.Open(filepath.Join(src, "golden.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	pixels, _, _ := g.Float32("pixel_values")
	ids := [][]int{{49406, 1629, 2054, 49407}}
	mask := [][]int{{1, 1, 1, 1}}
	logits := func(m *model.Model) []float32 {
		text, err := m.TextFeatures(ids, mask)
		if err != nil {
			t.Fatal(err)
		}
		return classifyAll(t, m, pixels, 2, text)
	}
	a, b := logits(ref), logits(m)
	if d := maxAbsDiff(a, b); d > 0.05 || d == 0 {
		t.Errorf("half-precision logits %v vs F32 %v (max diff %g): want close but not identical", b, a, d)
	}

	t.Run("index naming a missing shard", func(t *testing.T) {
		os.Remove(filepath.Join(dir, "model-00002-of-00002.safetensors"))
		expectLoadError(t, dir, "model-00002-of-00002.safetensors", "missing")
	})
	t.Run("index escaping the folder", func(t *testing.T) {
		bad, _ := json.Marshal(map[string]any{"weight_map": map[string]string{"logit_scale": "../x.safetensors"}})
		os.WriteFile(filepath.Join(dir, "model.safetensors.index.json"), bad, 0o644)
		expectLoadError(t, dir, "../x.safetensors", "not a file name")
	})
}

// toHalf rewrites an all-F32 safetensors buffer as F16 or BF16.
func toHalf(t *testing.T, buf []byte, dtype string) []byte {
	t.Helper()
	f, err := safetensors.Parse("in-memory", buf)
	if err != nil {
		t.Fatal(err)
	}
	hdr := map[string]any{}
	var data []byte
	for _, name := range f.Names() {
		vals, shape, _ := f.Float32(name)
		start := len(data)
		for _, v := range vals {
			data = binary.LittleEndian.AppendUint16(data, halfBits(v, dtype))
		}
		hdr[name] = map[string]any{"dtype": dtype, "shape": shape, "data_offsets": []int{start, len(data)}}
	}
	h, _ := json.Marshal(hdr)
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
	return append(append(out, h...), data...)
}

// halfBits rounds v to BF16 or F16 (round to nearest even; F16 subnormals included).
func halfBits(v float32, dtype string) uint16 {
	b := math.Float32bits(v)
	if dtype == "BF16" {
		return uint16((b + 0x7fff + (b>>16)&1) >> 16)
	}
	sign := uint16(b>>16) & 0x8000
	a := math.Abs(float64(v))
	switch {
	case a >= 65520:
		return sign | 0x7c00
	case a < 0x1p-25:
		return sign
	case a < 0x1p-14: // subnormal: units of 2^-24
		return sign | uint16(math.RoundToEven(a/0x1p-24))
	}
	e := math.Floor(math.Log2(a))
	m := math.RoundToEven((a/math.Exp2(e) - 1) * 1024)
	if m == 1024 {
		m, e = 0, e+1
	}
	return sign | uint16(e+15)<<10 | uint16(m)
}
