package model

import (
	"fmt"
	"strings"
	"testing"
)

func TestParseConfigDefaults(t *testing.T) {
	c, err := ParseConfig([]byte(`{"model_type": "xclip"}`))
	if err != nil {
		t.Fatal(err)
	}
	if c != DefaultConfig() {
		t.Errorf("empty config = %+v, want the defaults", c)
	}
	if c.Vision.NumPatches() != 49 || c.Text.HiddenSize != 512 || c.Vision.NumFrames != 8 || c.PromptAlpha != 0.1 {
		t.Errorf("defaults: %+v", c)
	}
}

func TestParseConfigNestedAndLegacy(t *testing.T) {
	// Older published files carry *_config_dict next to (and overriding) *_config.
	c, err := ParseConfig([]byte(`{
		"projection_dim": 768,
		"text_config": {"hidden_size": 512, "num_hidden_layers": 6},
		"text_config_dict": {"hidden_size": 768, "num_attention_heads": 12, "hidden_act": "gelu"},
		"vision_config_dict": {"patch_size": 16, "num_frames": 16, "hidden_size": 1024, "num_attention_heads": 16,
			"mit_hidden_size": 768, "mit_num_attention_heads": 12, "layer_norm_eps": 1e-6},
		"prompt_layers": 1, "prompt_alpha": 0.2, "prompt_num_attention_heads": 12
	}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Text.HiddenSize != 768 || c.Text.NumHiddenLayers != 6 || c.Text.HiddenAct != "gelu" {
		t.Errorf("text %+v", c.Text)
	}
	if c.Vision.PatchSize != 16 || c.Vision.NumFrames != 16 || c.Vision.NumPatches() != 196 || c.Vision.LayerNormEps != 1e-6 {
		t.Errorf("vision %+v", c.Vision)
	}
	if c.ProjectionDim != 768 || c.PromptLayers != 1 || c.PromptAlpha != 0.2 {
		t.Errorf("top level %+v", c)
	}
}

func TestParseConfigErrors(t *testing.T) {
	for _, tc := range []struct{ json, msg string }{
		{`{`, "malformed JSON"},
		{`{"model_type": "clip"}`, `model_type is "clip"`},
		{`{"projection_dim": "x"}`, "malformed field"},
		{`{"vision_config": {"num_frames": 0}}`, "vision_config.num_frames must be positive"},
		{`{"vision_config": {"image_size": 100}}`, "not a multiple of patch_size"},
		{`{"prompt_hidden_act": "tanh"}`, "prompt_hidden_act"},
		{`{"projection_dim": 256}`, "mit_hidden_size (512) must equal projection_dim (256)"},
		{`{"text_config_dict": [1]}`, "legacy"},
	} {
		_, err := ParseConfig([]byte(tc.json))
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: err %v, want %q", tc.json, err, tc.msg)
		}
	}
}

func TestSampleUniform(t *testing.T) {
	for _, tc := range []struct {
		n, t int
		want string
	}{
		{8, 8, "[0 1 2 3 4 5 6 7]"},
		{16, 8, "[1 3 5 7 9 11 13 15]"},
		{13, 8, "[0 2 4 5 7 8 10 12]"},
		{3, 8, "[0 0 0 1 1 2 2 2]"},
		{1, 4, "[0 0 0 0]"},
	} {
		if got := fmt.Sprint(SampleUniform(tc.n, tc.t)); got != tc.want {
			t.Errorf("SampleUniform(%d, %d) = %s, want %s", tc.n, tc.t, got, tc.want)
		}
	}
}
