package model

import (
	"fmt"
	"strconv"
	"strings"
)

// Caps on the sizes config.json may claim. A config is read before the weights, and the loader allocates
// from it (embedding tables, layer lists, scratch), so a size that nothing bounds can exhaust memory or
// time before any weight is compared with it. Each cap admits every published X-CLIP (base-patch32 and
// base-patch16 at 8, 16 and 32 frames, large-patch14 at 8 and 16 frames, the zero-shot and few-shot
// variants) with a wide margin; the value published is in each comment.
const (
	maxHiddenSize       = 8192      // hidden_size, mit_hidden_size, projection_dim: 512, 768, 1024
	maxIntermediateSize = 32768     // intermediate_size, mit_intermediate_size: 2048, 3072, 4096
	maxLayers           = 128       // text and vision num_hidden_layers: 12, 24
	maxSmallLayers      = 64        // mit_num_hidden_layers, prompt_layers: 1, 2
	maxHeads            = 256       // num_attention_heads: 8, 12, 16
	maxVocabSize        = 1_000_000 // vocab_size: 49408
	maxPositions        = 4096      // max_position_embeddings: 77
	maxNumFrames        = 256       // num_frames: 8, 16, 32
	maxImageSize        = 1024      // image_size: 224 (336 in CLIP's -336 variants)
	maxChannels         = 4         // num_channels: 3
	maxPatchesPerFrame  = 4096      // (image_size / patch_size)²: 49, 196, 256
	// maxWindowActivations bounds one activation matrix of a window of the vision tower,
	// num_frames × (patches + 2) × max(hidden_size, intermediate_size) float32 values (1 GiB): the scratch
	// a window needs follows from it. large-patch14 at 16 frames needs 17 M.
	maxWindowActivations = 1 << 28
	// maxProblems is how many problems one loading error lists; the rest are counted.
	maxProblems = 10
)

// checkLimits refuses sizes beyond the caps above, naming the key.
func (c Config) checkLimits() error {
	for _, l := range []struct {
		name   string
		v, max int
	}{
		{"text_config.vocab_size", c.Text.VocabSize, maxVocabSize},
		{"text_config.hidden_size", c.Text.HiddenSize, maxHiddenSize},
		{"text_config.intermediate_size", c.Text.IntermediateSize, maxIntermediateSize},
		{"text_config.num_hidden_layers", c.Text.NumHiddenLayers, maxLayers},
		{"text_config.num_attention_heads", c.Text.NumAttentionHeads, maxHeads},
		{"text_config.max_position_embeddings", c.Text.MaxPositionEmbeddings, maxPositions},
		{"vision_config.hidden_size", c.Vision.HiddenSize, maxHiddenSize},
		{"vision_config.intermediate_size", c.Vision.IntermediateSize, maxIntermediateSize},
		{"vision_config.num_hidden_layers", c.Vision.NumHiddenLayers, maxLayers},
		{"vision_config.num_attention_heads", c.Vision.NumAttentionHeads, maxHeads},
		{"vision_config.mit_hidden_size", c.Vision.MITHiddenSize, maxHiddenSize},
		{"vision_config.mit_intermediate_size", c.Vision.MITIntermediateSize, maxIntermediateSize},
		{"vision_config.mit_num_hidden_layers", c.Vision.MITNumHiddenLayers, maxSmallLayers},
		{"vision_config.mit_num_attention_heads", c.Vision.MITNumAttentionHeads, maxHeads},
		{"vision_config.num_channels", c.Vision.NumChannels, maxChannels},
		{"vision_config.image_size", c.Vision.ImageSize, maxImageSize},
		{"vision_config.patch_size", c.Vision.PatchSize, maxImageSize},
		{"vision_config.num_frames", c.Vision.NumFrames, maxNumFrames},
		{"projection_dim", c.ProjectionDim, maxHiddenSize},
		{"prompt_layers", c.PromptLayers, maxSmallLayers},
		{"prompt_num_attention_heads", c.PromptNumAttentionHeads, maxHeads},
	} {
		if l.v > l.max {
			return fmt.Errorf("%s = %d is over the limit of %d (no published X-CLIP comes close: corrupt config?)", l.name, l.v, l.max)
		}
	}
	return nil
}

// checkWindowSize refuses a vision tower whose window would need absurd scratch memory, once the
// single sizes are within their caps and patch_size divides image_size.
func (c Config) checkWindowSize() error {
	v := c.Vision
	if np := v.NumPatches(); np > maxPatchesPerFrame {
		return fmt.Errorf("vision_config.image_size %d with patch_size %d makes %d patches per frame, over the limit of %d",
			v.ImageSize, v.PatchSize, np, maxPatchesPerFrame)
	}
	act := int64(v.NumFrames) * int64(v.NumPatches()+2) * int64(max(v.HiddenSize, v.IntermediateSize))
	if act > maxWindowActivations {
		return fmt.Errorf("vision_config: num_frames %d × %d tokens × width %d = %d values per activation of a window, over the limit of %d",
			v.NumFrames, v.NumPatches()+2, max(v.HiddenSize, v.IntermediateSize), act, maxWindowActivations)
	}
	return nil
}

// shapeSource is what checkAgainstWeights needs of the weights: each tensor's shape and every name.
type shapeSource interface {
	shape(name string) ([]int, bool)
	names() []string
}

// checkAgainstWeights compares every size config.json claims with the shapes in the weights' headers
// (read before anything is allocated from the config) and returns the disagreements, each naming the key
// and the tensor. A tensor that is absent is reported by the loader, as missing.
func checkAgainstWeights(c Config, w shapeSource) []string {
	var problems []string
	dim := func(key string, v int, tensor string, axis int) {
		s, ok := w.shape(tensor)
		if ok && (axis >= len(s) || s[axis] != v) {
			problems = append(problems, fmt.Sprintf("%s = %d but %s is %v", key, v, tensor, s))
		}
	}
	t, v := c.Text, c.Vision
	dim("text_config.vocab_size", t.VocabSize, "text_model.embeddings.token_embedding.weight", 0)
	dim("text_config.hidden_size", t.HiddenSize, "text_model.embeddings.token_embedding.weight", 1)
	dim("text_config.max_position_embeddings", t.MaxPositionEmbeddings, "text_model.embeddings.position_embedding.weight", 0)
	dim("text_config.hidden_size", t.HiddenSize, "text_model.embeddings.position_embedding.weight", 1)
	dim("text_config.intermediate_size", t.IntermediateSize, "text_model.encoder.layers.0.mlp.fc1.weight", 0)
	dim("vision_config.hidden_size", v.HiddenSize, "vision_model.embeddings.patch_embedding.weight", 0)
	dim("vision_config.num_channels", v.NumChannels, "vision_model.embeddings.patch_embedding.weight", 1)
	dim("vision_config.patch_size", v.PatchSize, "vision_model.embeddings.patch_embedding.weight", 2)
	if s, ok := w.shape("vision_model.embeddings.position_embedding.weight"); ok && (len(s) == 0 || s[0] != v.NumPatches()+1) {
		problems = append(problems, fmt.Sprintf("vision_config.image_size = %d with patch_size %d makes %d patches + CLS but vision_model.embeddings.position_embedding.weight is %v",
			v.ImageSize, v.PatchSize, v.NumPatches(), s))
	}
	dim("vision_config.intermediate_size", v.IntermediateSize, "vision_model.encoder.layers.0.mlp.fc1.weight", 0)
	dim("vision_config.num_frames", v.NumFrames, "mit.position_embedding", 1)
	dim("vision_config.mit_hidden_size", v.MITHiddenSize, "mit.position_embedding", 2)
	dim("vision_config.mit_intermediate_size", v.MITIntermediateSize, "mit.encoder.layers.0.mlp.fc1.weight", 0)
	dim("projection_dim", c.ProjectionDim, "text_projection.weight", 0)
	dim("projection_dim", c.ProjectionDim, "visual_projection.weight", 0)

	layers := countLayers(w.names())
	for _, l := range []struct {
		key, prefix string
		v           int
	}{
		{"text_config.num_hidden_layers", "text_model.encoder.layers.", t.NumHiddenLayers},
		{"vision_config.num_hidden_layers", "vision_model.encoder.layers.", v.NumHiddenLayers},
		{"vision_config.mit_num_hidden_layers", "mit.encoder.layers.", v.MITNumHiddenLayers},
		{"prompt_layers", "prompts_generator.decoder.", c.PromptLayers},
	} {
		if n := layers[l.prefix]; n != l.v {
			problems = append(problems, fmt.Sprintf("%s = %d but the weights have %d layers %sN", l.key, l.v, n, l.prefix))
		}
	}
	return problems
}

// countLayers returns, per layer-list prefix, one more than the largest layer index among the names.
func countLayers(names []string) map[string]int {
	out := map[string]int{}
	for _, prefix := range []string{"text_model.encoder.layers.", "vision_model.encoder.layers.", "mit.encoder.layers.", "prompts_generator.decoder."} {
		for _, n := range names {
			rest, ok := strings.CutPrefix(n, prefix)
			if !ok {
				continue
			}
			idx, _, _ := strings.Cut(rest, ".")
			i, err := strconv.Atoi(idx)
			if err == nil && i >= 0 && i < 1<<20 && i+1 > out[prefix] {
				out[prefix] = i + 1
			}
		}
	}
	return out
}

// listProblems formats the first maxProblems of total problems, one a line, and counts the rest.
func listProblems(shown []string, total int) string {
	if len(shown) > maxProblems {
		shown = shown[:maxProblems]
	}
	s := fmt.Sprintf("%d problem(s):\n  %s", total, strings.Join(shown, "\n  "))
	if total > len(shown) {
		s += fmt.Sprintf("\n  ... and %d more", total-len(shown))
	}
	return s
}
