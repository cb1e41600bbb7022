package model

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/xclipfilter/xclipfilter/internal/safefile"
)

// TextConfig is XCLIPTextConfig: the CLIP text transformer.
type TextConfig struct {
	VocabSize             int     `json:"vocab_size"`
	HiddenSize            int     `json:"hidden_size"`
	IntermediateSize      int     `json:"intermediate_size"`
	NumHiddenLayers       int     `json:"num_hidden_layers"`
	NumAttentionHeads     int     `json:"num_attention_heads"`
	MaxPositionEmbeddings int     `json:"max_position_embeddings"`
	HiddenAct             string  `json:"hidden_act"`
	LayerNormEps          float64 `json:"layer_norm_eps"`
}

// VisionConfig is XCLIPVisionConfig: the ViT with cross-frame communication, and the sizes of the
// multi-frame integration transformer (MIT) that runs on its per-frame embeddings.
type VisionConfig struct {
	HiddenSize           int     `json:"hidden_size"`
	IntermediateSize     int     `json:"intermediate_size"`
	NumHiddenLayers      int     `json:"num_hidden_layers"`
	NumAttentionHeads    int     `json:"num_attention_heads"`
	MITHiddenSize        int     `json:"mit_hidden_size"`
	MITIntermediateSize  int     `json:"mit_intermediate_size"`
	MITNumHiddenLayers   int     `json:"mit_num_hidden_layers"`
	MITNumAttentionHeads int     `json:"mit_num_attention_heads"`
	NumChannels          int     `json:"num_channels"`
	ImageSize            int     `json:"image_size"`
	PatchSize            int     `json:"patch_size"`
	NumFrames            int     `json:"num_frames"`
	HiddenAct            string  `json:"hidden_act"`
	LayerNormEps         float64 `json:"layer_norm_eps"`
}

// Config is XCLIPConfig, as config.json of a Hugging Face checkpoint spells it.
type Config struct {
	Text                    TextConfig   `json:"text_config"`
	Vision                  VisionConfig `json:"vision_config"`
	ProjectionDim           int          `json:"projection_dim"`
	PromptLayers            int          `json:"prompt_layers"`
	PromptAlpha             float64      `json:"prompt_alpha"`
	PromptHiddenAct         string       `json:"prompt_hidden_act"`
	PromptNumAttentionHeads int          `json:"prompt_num_attention_heads"`
	LogitScaleInitValue     float64      `json:"logit_scale_init_value"`
}

// DefaultConfig is XCLIPConfig() with no arguments: microsoft/xclip-base-patch32's sizes.
func DefaultConfig() Config {
	return Config{
		Text: TextConfig{
			VocabSize: 49408, HiddenSize: 512, IntermediateSize: 2048, NumHiddenLayers: 12,
			NumAttentionHeads: 8, MaxPositionEmbeddings: 77, HiddenAct: "quick_gelu", LayerNormEps: 1e-5,
		},
		Vision: VisionConfig{
			HiddenSize: 768, IntermediateSize: 3072, NumHiddenLayers: 12, NumAttentionHeads: 12,
			MITHiddenSize: 512, MITIntermediateSize: 2048, MITNumHiddenLayers: 1, MITNumAttentionHeads: 8,
			NumChannels: 3, ImageSize: 224, PatchSize: 32, NumFrames: 8, HiddenAct: "quick_gelu", LayerNormEps: 1e-5,
		},
		ProjectionDim: 512, PromptLayers: 2, PromptAlpha: 0.1, PromptHiddenAct: "quick_gelu",
		PromptNumAttentionHeads: 8, LogitScaleInitValue: 2.6592,
	}
}

// LoadConfig reads a checkpoint's config.json.
func LoadConfig(path string) (Config, error) {
	data, err := safefile.ReadFile(path, "config.json", safefile.ConfigLimit)
	if err != nil {
		return Config{}, fmt.Errorf("model config: %w", err)
	}
	c, err := ParseConfig(data)
	if err != nil {
		return Config{}, fmt.Errorf("model config %s: %w", path, err)
	}
	return c, nil
}

// ParseConfig parses config.json. Every field absent from the file takes Hugging Face's default. Older
// published files carry text_config_dict / vision_config_dict; as in transformers, those win over
// text_config / vision_config.
func ParseConfig(data []byte) (Config, error) {
	c := DefaultConfig()
	var raw struct {
		ModelType        string          `json:"model_type"`
		TextConfigDict   json.RawMessage `json:"text_config_dict"`
		VisionConfigDict json.RawMessage `json:"vision_config_dict"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return Config{}, fmt.Errorf("malformed JSON: %w", err)
	}
	if raw.ModelType != "" && raw.ModelType != "xclip" {
		return Config{}, fmt.Errorf("model_type is %q, want \"xclip\"", raw.ModelType)
	}
	if err := json.Unmarshal(data, &c); err != nil {
		return Config{}, fmt.Errorf("malformed field: %w", err)
	}
	for _, legacy := range []struct {
		raw json.RawMessage
		dst any
	}{{raw.TextConfigDict, &c.Text}, {raw.VisionConfigDict, &c.Vision}} {
		if len(legacy.raw) == 0 || bytes.Equal(legacy.raw, []byte("null")) {
			continue
		}
		if err := json.Unmarshal(legacy.raw, legacy.dst); err != nil {
			return Config{}, fmt.Errorf("malformed legacy *_config_dict: %w", err)
		}
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// Validate checks that the sizes describe a model that can be built, within the caps of limits.go.
func (c Config) Validate() error {
	positive := []struct {
		name string
		v    int
	}{
		{"text_config.vocab_size", c.Text.VocabSize},
		{"text_config.hidden_size", c.Text.HiddenSize},
		{"text_config.intermediate_size", c.Text.IntermediateSize},
		{"text_config.num_hidden_layers", c.Text.NumHiddenLayers},
		{"text_config.num_attention_heads", c.Text.NumAttentionHeads},
		{"text_config.max_position_embeddings", c.Text.MaxPositionEmbeddings},
		{"vision_config.hidden_size", c.Vision.HiddenSize},
		{"vision_config.intermediate_size", c.Vision.IntermediateSize},
		{"vision_config.num_hidden_layers", c.Vision.NumHiddenLayers},
		{"vision_config.num_attention_heads", c.Vision.NumAttentionHeads},
		{"vision_config.mit_hidden_size", c.Vision.MITHiddenSize},
		{"vision_config.mit_intermediate_size", c.Vision.MITIntermediateSize},
		{"vision_config.mit_num_attention_heads", c.Vision.MITNumAttentionHeads},
		{"vision_config.num_channels", c.Vision.NumChannels},
		{"vision_config.image_size", c.Vision.ImageSize},
		{"vision_config.patch_size", c.Vision.PatchSize},
		{"vision_config.num_frames", c.Vision.NumFrames},
		{"projection_dim", c.ProjectionDim},
		{"prompt_num_attention_heads", c.PromptNumAttentionHeads},
	}
	for _, p := range positive {
		if p.v <= 0 {
			return fmt.Errorf("%s must be positive, got %d", p.name, p.v)
		}
	}
	if c.Vision.MITNumHiddenLayers < 0 || c.PromptLayers < 0 {
		return fmt.Errorf("layer counts must not be negative (mit_num_hidden_layers %d, prompt_layers %d)",
			c.Vision.MITNumHiddenLayers, c.PromptLayers)
	}
	if err := c.checkLimits(); err != nil {
		return err
	}
	divisible := []struct {
		name         string
		size, heads  int
		sizeName     string
		headsSetting string
	}{
		{"text", c.Text.HiddenSize, c.Text.NumAttentionHeads, "text_config.hidden_size", "text_config.num_attention_heads"},
		{"vision", c.Vision.HiddenSize, c.Vision.NumAttentionHeads, "vision_config.hidden_size", "vision_config.num_attention_heads"},
		{"mit", c.Vision.MITHiddenSize, c.Vision.MITNumAttentionHeads, "vision_config.mit_hidden_size", "vision_config.mit_num_attention_heads"},
		{"prompt", c.ProjectionDim, c.PromptNumAttentionHeads, "projection_dim", "prompt_num_attention_heads"},
	}
	for _, d := range divisible {
		if d.size%d.heads != 0 {
			return fmt.Errorf("%s (%d) is not divisible by %s (%d)", d.sizeName, d.size, d.headsSetting, d.heads)
		}
	}
	if c.Vision.MITHiddenSize != c.ProjectionDim {
		return fmt.Errorf("vision_config.mit_hidden_size (%d) must equal projection_dim (%d): the MIT runs on projected frame embeddings",
			c.Vision.MITHiddenSize, c.ProjectionDim)
	}
	if c.Vision.ImageSize%c.Vision.PatchSize != 0 {
		return fmt.Errorf("vision_config.image_size (%d) is not a multiple of patch_size (%d)", c.Vision.ImageSize, c.Vision.PatchSize)
	}
	if err := c.checkWindowSize(); err != nil {
		return err
	}
	for _, a := range []struct{ name, act string }{
		{"text_config.hidden_act", c.Text.HiddenAct},
		{"vision_config.hidden_act", c.Vision.HiddenAct},
		{"prompt_hidden_act", c.PromptHiddenAct},
	} {
		if _, err := activation(a.act); err != nil {
			return fmt.Errorf("%s: %w", a.name, err)
		}
	}
	if c.Text.LayerNormEps <= 0 || c.Vision.LayerNormEps <= 0 {
		return fmt.Errorf("layer_norm_eps must be positive")
	}
	return nil
}

// NumPatches is the number of patch tokens per frame (the sequence is one longer: CLS first).
func (v VisionConfig) NumPatches() int {
	g := v.ImageSize / v.PatchSize
	return g * g
}
