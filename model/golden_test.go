package model_test

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/xclipfilter/xclipfilter/cpu"
	"github.com/xclipfilter/xclipfilter/internal/formula"
	"github.com/xclipfilter/xclipfilter/internal/golden"
	"github.com/xclipfilter/xclipfilter/model"
	"github.com/xclipfilter/xclipfilter/model/backendtest"
	"github.com/xclipfilter/xclipfilter/model/safetensors"
)

// peerOutputs runs the model the way the golden files were made and collects every output and
// intermediate they hold, under the golden's names: the text side through TextFeatures, the rest
// through the inference pass (ClassifyBatch, every video against the same labels), with an observer
// downloading the intermediates as they are made.
func peerOutputs(t *testing.T, m *model.Model, g *safetensors.File, pixels []float32) map[string][]float32 {
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
	eos := make([]int, k) // row of each label's EOS token: the first arg-max of its ids
	for i := range k {
		best := 0
		for j := range l {
			idRows[i] = append(idRows[i], int(ids[i*l+j]))
			maskRows[i] = append(maskRows[i], int(am[i*l+j]))
			if ids[i*l+j] > ids[i*l+best] {
				best = j
			}
		}
		eos[i] = i*l + best
	}
	seen := map[string][][]float32{}
	model.Observe(m, func(name string, x model.Mat) {
		d := make([]float32, x.Rows*x.Cols)
		m.Backend().Download(d, x)
		seen[name] = append(seen[name], d)
	})
	defer model.Observe(m, nil)

	out := map[string][]float32{}
	text, err := m.TextFeatures(idRows, maskRows)
	if err != nil {
		t.Fatal(err)
	}
	out["text_features"] = text.Data
	out["text_pooler"] = seen["text_pooler"][0]
	out["text_last_hidden"] = seen["text_last_hidden"][0]
	td := m.Config.Text.HiddenSize
	for _, h := range seen["text_hidden"] {
		out["text_hidden_eos"] = append(out["text_hidden_eos"], pickRows(h, td, eos)...)
	}

	vc := m.Config.Vision
	videos := len(pixels) / (vc.NumFrames * vc.NumChannels * vc.ImageSize * vc.ImageSize)
	logits := classifyAll(t, m, pixels, videos, text)
	bt, ls, vd := videos*vc.NumFrames, vc.NumPatches()+2, vc.HiddenSize
	cls, patch0 := make([]int, bt), make([]int, bt) // rows of each frame's CLS and first patch token
	for f := range bt {
		cls[f], patch0[f] = f*ls, f*ls+1
	}
	hidden := seen["vision_hidden"]
	for _, h := range hidden {
		out["vision_hidden_cls"] = append(out["vision_hidden_cls"], pickRows(h, vd, cls)...)
	}
	out["vision_last_hidden_patch0"] = pickRows(hidden[len(hidden)-1], vd, patch0)
	out["vision_pooler"] = seen["vision_pooler"][0]
	out["mit_last_hidden"] = seen["mit_last_hidden"][0]
	out["video_features"] = seen["video_features"][0]
	out["mit_pooler"] = seen["video_features"][0]
	out["logits_per_video"] = logits
	out["logits_per_text"] = transpose(logits, videos, k)
	out["text_embeds"] = seen["text_embeds"][0]
	ve := append([]float32(nil), out["video_features"]...)
	p := m.Config.ProjectionDim
	for v := range videos {
		normalize(ve[v*p : (v+1)*p])
	}
	out["video_embeds"] = ve

	// The peer's second call: return_loss=True on the first two labels.
	clear(seen)
	two := &model.Tensor{Shape: []int{2, p}, Data: text.Data[:2*p]}
	lossLogits := classifyAll(t, m, pixels, videos, two)
	loss, err := backendtest.ContrastiveLoss(lossLogits, videos)
	if err != nil {
		t.Fatal(err)
	}
	out["loss_logits_per_video"] = lossLogits
	out["loss"] = []float32{loss}
	out["prompts_generator_out"] = seen["prompts_generator_out"][0]
	return out
}

// classifyAll is logits_per_video [B·K]: every video against the same labels, through the inference
// pass.
func classifyAll(t *testing.T, m *model.Model, pixels []float32, videos int, text *model.Tensor) []float32 {
	t.Helper()
	sets := make([]*model.Tensor, videos)
	for i := range sets {
		sets[i] = text
	}
	rows, err := m.ClassifyBatch(pixels, sets)
	if err != nil {
		t.Fatal(err)
	}
	var out []float32
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}

// pickRows returns rows of x (cols wide), packed.
func pickRows(x []float32, cols int, rows []int) []float32 {
	out := make([]float32, 0, len(rows)*cols)
	for _, r := range rows {
		out = append(out, x[r*cols:(r+1)*cols]...)
	}
	return out
}

// transpose returns the [cols, rows] transpose of a row-major [rows, cols] matrix.
func transpose(a []float32, rows, cols int) []float32 {
	t := make([]float32, len(a))
	for r := range rows {
		for c := range cols {
			t[c*rows+r] = a[r*cols+c]
		}
	}
	return t
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
			m, err := model.Load(dir, model.Options{Backend: cpu.New(cpu.Options{})})
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
			opts, err := formula.WithWeights(dir, model.Options{Backend: cpu.New(cpu.Options{})})
			if err != nil {
				t.Fatal(err)
			}
			m, err := model.Load(dir, opts)
			if err != nil {
				t.Fatal(err)
			}
			man, err := formula.LoadManifest(filepath.Join(dir, formula.ManifestName))
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
