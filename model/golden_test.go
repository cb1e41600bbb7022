package model

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/xclipfilter/xclipfilter/internal/golden"
	"github.com/xclipfilter/xclipfilter/model/safetensors"
)

// peerOutputs runs the model the way the golden files were made and collects every output and
// intermediate they hold, under the golden's names.
func peerOutputs(t *testing.T, m *Model, g *safetensors.File, pixels []float32) map[string][]float32 {
	t.Helper()
	ids, idShape, err := g.Int64("input_ids")
	if err != nil {
		t.Fatal(err)
	}
	am, _, err := g.Int64("attention_mask")
	if err != nil {
		t.Fatal(err)
	}
	k, l := idShape[0], idShape[1]
	idRows, maskRows := make([][]int, k), make([][]int, k)
	for i := range k {
		for j := range l {
			idRows[i] = append(idRows[i], int(ids[i*l+j]))
			maskRows[i] = append(maskRows[i], int(am[i*l+j]))
		}
	}
	out := map[string][]float32{}
	var tt textTrace
	text, err := m.textFeatures(idRows, maskRows, &tt)
	if err != nil {
		t.Fatal(err)
	}
	out["text_features"] = text.Data
	out["text_pooler"] = tt.pooler
	out["text_last_hidden"] = tt.lastHidden
	out["text_hidden_eos"] = concat(tt.hiddenEOS)

	vc := m.Config.Vision
	videos := len(pixels) / (vc.NumFrames * vc.NumChannels * vc.ImageSize * vc.ImageSize)
	var vt videoTrace
	video, err := m.encodeVideo(pixels, videos, &vt)
	if err != nil {
		t.Fatal(err)
	}
	out["video_features"] = video.Features.Data
	out["mit_pooler"] = video.Features.Data
	out["mit_last_hidden"] = vt.mitLastHidden
	out["vision_pooler"] = vt.visionPooler
	out["vision_hidden_cls"] = concat(vt.vision.hiddenCLS)
	out["vision_last_hidden_patch0"] = vt.vision.patch0

	logits, textEmbeds, err := m.logits(video, text, nil)
	if err != nil {
		t.Fatal(err)
	}
	out["logits_per_video"] = logits.Data
	out["logits_per_text"] = transpose(logits.Data, videos, k)
	out["text_embeds"] = textEmbeds
	ve := append([]float32(nil), video.Features.Data...)
	p := m.Config.ProjectionDim
	for v := range videos {
		normalize(ve[v*p : (v+1)*p])
	}
	out["video_embeds"] = ve

	// The peer's second call: return_loss=True on the first two labels.
	two := &Tensor{Shape: []int{2, p}, Data: text.Data[:2*p]}
	var gen []float32
	lossLogits, _, err := m.logits(video, two, &gen)
	if err != nil {
		t.Fatal(err)
	}
	loss, err := ContrastiveLoss(lossLogits)
	if err != nil {
		t.Fatal(err)
	}
	out["loss_logits_per_video"] = lossLogits.Data
	out["loss"] = []float32{loss}
	out["prompts_generator_out"] = gen
	return out
}

// normalize scales x to unit L2 norm (the peer's video_embeds).
func normalize(x []float32) {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	inv := float32(1 / math.Sqrt(s))
	for i := range x {
		x[i] *= inv
	}
}

func concat(parts [][]float32) []float32 {
	var out []float32
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func maxAbsDiff(a, b []float32) float64 {
	var m float64
	for i := range a {
		m = math.Max(m, math.Abs(float64(a[i])-float64(b[i])))
	}
	return m
}

func cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	return ab / math.Sqrt(aa*bb)
}

func relL2(got, want []float32) float64 {
	var d, w float64
	for i := range got {
		e := float64(got[i]) - float64(want[i])
		d += e * e
		w += float64(want[i]) * float64(want[i])
	}
	return math.Sqrt(d / w)
}

func goldenTensor(t *testing.T, g *safetensors.File, name string) ([]float32, []int) {
	t.Helper()
	data, shape, err := g.Float32(name)
	if err != nil {
		t.Fatal(err)
	}
	return data, shape
}

// tinyGoldenNames are every output and intermediate of the tiny checkpoints' golden files.
var tinyGoldenNames = []string{
	"text_features", "text_pooler", "text_last_hidden", "text_hidden_eos",
	"vision_pooler", "vision_hidden_cls", "vision_last_hidden_patch0",
	"mit_pooler", "mit_last_hidden", "video_features", "video_embeds", "text_embeds",
	"logits_per_video", "logits_per_text", "loss", "loss_logits_per_video", "prompts_generator_out",
}

func TestGoldenTiny(t *testing.T) {
	for _, name := range []string{"xclip-tiny-a", "xclip-tiny-b"} {
		t.Run(name, func(t *testing.T) {
			dir := golden.Fixture(t, name)
			m, err := Load(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			g, err := safetensors.Open(filepath.Join(dir, "golden.safetensors"))
			if err != nil {
				t.Fatal(err)
			}
			defer g.Close()
			pixels, _ := goldenTensor(t, g, "pixel_values")
			got := peerOutputs(t, m, g, pixels)
			for _, key := range tinyGoldenNames {
				want, shape := goldenTensor(t, g, key)
				if len(got[key]) != len(want) {
					t.Errorf("%s: %d values, golden has %d %v", key, len(got[key]), len(want), shape)
					continue
				}
				d := maxAbsDiff(got[key], want)
				if d > 1e-4 {
					t.Errorf("%s: max abs diff %.3g > 1e-4", key, d)
				} else {
					t.Logf("%s %v: max abs diff %.3g", key, shape, d)
				}
			}
		})
	}
}

func TestGoldenFormulaConfigs(t *testing.T) {
	for _, name := range []string{"base-patch32-8f", "base-patch32-16f", "base-patch16-8f", "large-patch14-8f"} {
		t.Run(name, func(t *testing.T) {
			dir := golden.Dir(t, name)
			if testing.Short() && name != "base-patch32-8f" {
				t.Skip("-short: only base-patch32-8f")
			}
			m, err := Load(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			man, err := LoadFormulaManifest(filepath.Join(dir, "weights_manifest.json"))
			if err != nil {
				t.Fatal(err)
			}
			pixels := make([]float32, man.PixelValues.Len())
			man.PixelValues.Fill(pixels)
			g, err := safetensors.Open(filepath.Join(dir, "golden.safetensors"))
			if err != nil {
				t.Fatal(err)
			}
			defer g.Close()
			got := peerOutputs(t, m, g, pixels)
			checkFormulaGolden(t, g, got, 2e-3, 0.99999, 1e-3)
		})
	}
}

// checkFormulaGolden applies the README's real-size tolerances: logits max abs; cosine for embeddings
// and poolers; relative L2 for every hidden layer.
func checkFormulaGolden(t *testing.T, g *safetensors.File, got map[string][]float32, logitsTol, cosTol, relTol float64) {
	t.Helper()
	for _, key := range []string{"logits_per_video", "logits_per_text", "loss_logits_per_video"} {
		want, _ := goldenTensor(t, g, key)
		if d := maxAbsDiff(got[key], want); d > logitsTol {
			t.Errorf("%s: max abs diff %.3g > %g", key, d, logitsTol)
		} else {
			t.Logf("%s: max abs diff %.3g", key, d)
		}
	}
	for _, key := range []string{"text_embeds", "video_embeds", "vision_pooler", "mit_pooler", "text_features", "video_features"} {
		want, shape := goldenTensor(t, g, key)
		rows := shape[0]
		if len(shape) == 3 {
			rows *= shape[1]
		}
		cols := len(want) / rows
		worst := 1.0
		for r := range rows {
			worst = math.Min(worst, cosine(got[key][r*cols:(r+1)*cols], want[r*cols:(r+1)*cols]))
		}
		if worst < cosTol {
			t.Errorf("%s: worst row cosine %.7f < %g", key, worst, cosTol)
		} else {
			t.Logf("%s: worst row cosine %.7f", key, worst)
		}
	}
	for _, key := range []string{"vision_hidden_cls", "text_hidden_eos"} {
		want, shape := goldenTensor(t, g, key)
		per := len(want) / shape[0]
		worst := 0.0
		for layer := range shape[0] {
			worst = math.Max(worst, relL2(got[key][layer*per:(layer+1)*per], want[layer*per:(layer+1)*per]))
		}
		if worst > relTol {
			t.Errorf("%s: worst layer relative L2 %.3g > %g", key, worst, relTol)
		} else {
			t.Logf("%s: worst layer relative L2 %.3g", key, worst)
		}
	}
}
