package model_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xclipfilter/xclipfilter/cpu"
	"github.com/xclipfilter/xclipfilter/model"
	"github.com/xclipfilter/xclipfilter/model/safetensors"
)

// configWith returns tiny-a's config.json with edit applied to its JSON object.
func configWith(t *testing.T, src string, edit func(map[string]any)) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(src, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sub(m map[string]any, key string) map[string]any { return m[key].(map[string]any) }

// TestLoadRefusesConfigSizesTheWeightsDoNotHave loads tiny-a with sizes in config.json that would, if
// trusted, allocate tens of GB or loop for minutes, and checks the error names the key and the tensor.
// Each case would run out of memory before the limits; they run in process because the refusal comes
// before any allocation (the CLI's hostile tests run the same under a memory cap).
func TestLoadRefusesConfigSizesTheWeightsDoNotHave(t *testing.T) {
	src, tensors := tinyTensors(t)
	good := encode(t, tensors)
	for _, c := range []struct {
		name  string
		edit  func(map[string]any)
		wants []string
	}{
		{"text hidden_size", func(m map[string]any) {
			sub(m, "text_config")["hidden_size"] = 1024
			sub(m, "text_config")["num_attention_heads"] = 8
		}, []string{"config.json: text_config.hidden_size = 1024 but text_model.embeddings.token_embedding.weight is [49408 24]"}},
		{"vocab_size within the cap", func(m map[string]any) { sub(m, "text_config")["vocab_size"] = 900000 },
			[]string{"text_config.vocab_size = 900000 but text_model.embeddings.token_embedding.weight is [49408 24]"}},
		{"positions", func(m map[string]any) { sub(m, "text_config")["max_position_embeddings"] = 4000 },
			[]string{"text_config.max_position_embeddings = 4000 but text_model.embeddings.position_embedding.weight is [77 24]"}},
		{"layers", func(m map[string]any) { sub(m, "text_config")["num_hidden_layers"] = 100 },
			[]string{"text_config.num_hidden_layers = 100 but the weights have 2 layers text_model.encoder.layers.N", "... and "}},
		{"num_frames", func(m map[string]any) { sub(m, "vision_config")["num_frames"] = 200 },
			[]string{"vision_config.num_frames = 200 but mit.position_embedding is [1 3 40]"}},
		{"image_size", func(m map[string]any) { sub(m, "vision_config")["image_size"] = 512 },
			[]string{"vision_config.image_size = 512 with patch_size 16 makes 1024 patches + CLS but vision_model.embeddings.position_embedding.weight is [17 64]"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := checkpoint(t, src, good)
			if err := os.WriteFile(filepath.Join(dir, "config.json"), configWith(t, src, c.edit), 0o644); err != nil {
				t.Fatal(err)
			}
			expectLoadError(t, dir, append([]string{"model.safetensors does not fit the config"}, c.wants...)...)
		})
	}
}

func TestConfigLimitsNameTheKey(t *testing.T) {
	for _, c := range []struct{ json, want string }{
		{`{"text_config": {"hidden_size": 100000, "num_attention_heads": 1}}`, "text_config.hidden_size = 100000 is over the limit of 8192"},
		{`{"text_config": {"vocab_size": 2000000000}}`, "text_config.vocab_size = 2000000000 is over the limit of 1000000"},
		{`{"text_config": {"max_position_embeddings": 1000000000}}`, "text_config.max_position_embeddings = 1000000000 is over the limit of 4096"},
		{`{"text_config": {"num_hidden_layers": 100000000}}`, "text_config.num_hidden_layers = 100000000 is over the limit of 128"},
		{`{"vision_config": {"num_frames": 1000000}}`, "vision_config.num_frames = 1000000 is over the limit of 256"},
		{`{"vision_config": {"image_size": 1024, "patch_size": 8}}`, "16384 patches per frame, over the limit of 4096"},
		{`{"vision_config": {"image_size": 1008, "patch_size": 16, "num_frames": 256, "intermediate_size": 32768}}`, "values per activation of a window, over the limit"},
		{`{"vision_config": {"num_frames": -3}}`, "vision_config.num_frames must be positive, got -3"},
		{`{"vision_config": {"num_frames": "8"}}`, "vision_config.num_frames"},
		{`{"vision_config": {"num_frames": 8.5}}`, "vision_config.num_frames"},
		{`{"prompt_layers": 1000}`, "prompt_layers = 1000 is over the limit of 64"},
	} {
		_, err := model.ParseConfig([]byte(c.json))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.json, err, c.want)
		}
	}
}

// TestLoadRefusesNonFiniteWeights stores a NaN and an Inf in tiny-a's weights (F32 and BF16) and checks
// the error names the tensor and the first bad index.
func TestLoadRefusesNonFiniteWeights(t *testing.T) {
	src, tensors := tinyTensors(t)
	m := map[string]safetensors.Tensor{}
	for k, v := range tensors {
		m[k] = safetensors.Tensor{Shape: v.Shape, Data: append([]float32(nil), v.Data...)}
	}
	w := m["vision_model.encoder.layers.1.mlp.fc2.weight"]
	w.Data[37], w.Data[50] = float32(math.NaN()), float32(math.Inf(1))
	p := m["text_model.embeddings.position_embedding.weight"]
	p.Data[5] = float32(math.Inf(-1))
	buf := encode(t, m)
	for _, dtype := range []string{"F32", "BF16", "F16"} {
		t.Run(dtype, func(t *testing.T) {
			b := buf
			if dtype != "F32" {
				b = toHalf(t, buf, dtype)
			}
			first := "element 37 is NaN (weights must be finite)"
			if dtype == "F16" {
				first = "element 50 is +Inf" // the test's F16 rounding has no NaN
			}
			expectLoadError(t, checkpoint(t, src, b),
				"tensor vision_model.encoder.layers.1.mlp.fc2.weight in", first,
				"tensor text_model.embeddings.position_embedding.weight in", "element 5 is -Inf")
		})
	}
	t.Run("logit_scale overflows", func(t *testing.T) {
		m2 := map[string]safetensors.Tensor{}
		for k, v := range tensors {
			m2[k] = v
		}
		m2["logit_scale"] = safetensors.Tensor{Shape: []int{}, Data: []float32{200}}
		expectLoadError(t, checkpoint(t, src, encode(t, m2)), "logit_scale 200: its exp overflows")
	})
}

// TestLoadListsAFewProblems checks a checkpoint with hundreds of problems gets an error of bounded size.
func TestLoadListsAFewProblems(t *testing.T) {
	src, tensors := tinyTensors(t)
	m := map[string]safetensors.Tensor{}
	for k, v := range tensors {
		m[k] = v
	}
	for i := range 500 {
		m[fmt.Sprintf("extra.%d", i)] = safetensors.Tensor{Shape: []int{1}, Data: []float32{0}}
	}
	_, err := model.Load(checkpoint(t, src, encode(t, m)), model.Options{Backend: cpu.New(cpu.Options{})})
	if err == nil || !strings.Contains(err.Error(), "500 problem(s)") || !strings.Contains(err.Error(), "... and 490 more") || len(err.Error()) > 2000 {
		t.Errorf("error %v: want 500 problems, 10 listed", err)
	}
}
