package backendtest

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/xclipfilter/xclipfilter/internal/formula"
	"github.com/xclipfilter/xclipfilter/model"
	"github.com/xclipfilter/xclipfilter/model/safetensors"
)

// Parity runs a golden folder's inputs through m (loaded from dir on the backend under test) and
// compares the public outputs with the peer's: text_features, video_features (= mit_pooler),
// video_embeds, logits_per_video, logits_per_text, and the second call's loss_logits_per_video and
// loss. reduced selects the reduced-precision tolerances of the golden README (bf16/fp16).
func Parity(m *model.Model, dir string, reduced bool) ([]Result, error) {
	g, err := safetensors.Open(filepath.Join(dir, "golden.safetensors"))
	if err != nil {
		return nil, err
	}
	defer g.Close()
	ids, idShape, err := g.Int64("input_ids")
	if err != nil {
		return nil, err
	}
	am, _, err := g.Int64("attention_mask")
	if err != nil {
		return nil, err
	}
	k, l := idShape[0], idShape[1]
	idRows, maskRows := make([][]int, k), make([][]int, k)
	for i := range k {
		for j := range l {
			idRows[i] = append(idRows[i], int(ids[i*l+j]))
			maskRows[i] = append(maskRows[i], int(am[i*l+j]))
		}
	}
	pixels, err := goldenPixels(g, dir)
	if err != nil {
		return nil, err
	}
	vc := m.Config.Vision
	videos := len(pixels) / (vc.NumFrames * vc.NumChannels * vc.ImageSize * vc.ImageSize)

	text, err := m.TextFeatures(idRows, maskRows)
	if err != nil {
		return nil, err
	}
	video, err := m.VideoFeatures(pixels, videos)
	if err != nil {
		return nil, err
	}
	logits, err := classifyAll(m, pixels, videos, text)
	if err != nil {
		return nil, err
	}
	p := m.Config.ProjectionDim
	two := &model.Tensor{Shape: []int{2, p}, Data: text.Data[:2*p]}
	lossLogits, err := classifyAll(m, pixels, videos, two)
	if err != nil {
		return nil, err
	}
	loss, err := ContrastiveLoss(lossLogits, videos)
	if err != nil {
		return nil, err
	}
	embeds := append([]float32(nil), video.Data...)
	for v := range videos {
		normalize(embeds[v*p : (v+1)*p])
	}
	got := map[string][]float32{
		"text_features": text.Data, "video_features": video.Data, "mit_pooler": video.Data,
		"video_embeds": embeds, "logits_per_video": logits, "logits_per_text": transpose(logits, videos, k),
		"loss_logits_per_video": lossLogits, "loss": {loss},
	}

	tiny := !fileExists(filepath.Join(dir, "weights_manifest.json"))
	var out []Result
	add := func(name string, err, tol float64) { out = append(out, Result{Name: name, Err: err, Tol: tol}) }
	want := func(key string) []float32 {
		w, _, e := g.Float32(key)
		if e != nil {
			out = append(out, Result{Name: key, Fail: e.Error()})
		}
		return w
	}
	logitKeys := []string{"logits_per_video", "logits_per_text", "loss_logits_per_video"}
	embedKeys := []string{"text_features", "video_features", "mit_pooler", "video_embeds"}
	switch {
	case reduced:
		// The golden README gives reduced-precision tolerances for the real sizes; the tiny random
		// models (larger logits, 16-wide layers) get twice the logits tolerance.
		logitTol := 0.05
		if tiny {
			logitTol = 0.1
		}
		for _, key := range logitKeys {
			add(key+" max abs", maxAbs(got[key], want(key)), logitTol)
		}
		for _, key := range embedKeys {
			w := want(key)
			add(key+" 1-cosine (worst row)", 1-worstCosine(got[key], w, len(w)/p), 1e-3)
		}
		add("top-1 label differs (videos)", float64(top1Diff(got["logits_per_video"], want("logits_per_video"), k)), 0)
	case tiny:
		for _, key := range append(append(logitKeys, embedKeys...), "loss") {
			add(key+" max abs", maxAbs(got[key], want(key)), 1e-4)
		}
	default:
		for _, key := range logitKeys {
			add(key+" max abs", maxAbs(got[key], want(key)), 2e-3)
		}
		for _, key := range embedKeys {
			w := want(key)
			add(key+" 1-cosine (worst row)", 1-worstCosine(got[key], w, len(w)/p), 1e-5)
		}
		add("top-1 label differs (videos)", float64(top1Diff(got["logits_per_video"], want("logits_per_video"), k)), 0)
	}
	for i := range out {
		out[i].Name = filepath.Base(dir) + " " + out[i].Name
	}
	return out, nil
}

// goldenPixels is the golden's pixel_values, or for formula checkpoints the manifest's recipe.
func goldenPixels(g *safetensors.File, dir string) ([]float32, error) {
	if g.Has("pixel_values") {
		px, _, err := g.Float32("pixel_values")
		return px, err
	}
	man, err := formula.LoadManifest(filepath.Join(dir, formula.ManifestName))
	if err != nil {
		return nil, fmt.Errorf("no pixel_values in the golden file and no manifest: %w", err)
	}
	px := make([]float32, man.PixelValues.Len())
	man.PixelValues.Fill(px)
	return px, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

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

func transpose(a []float32, rows, cols int) []float32 {
	t := make([]float32, len(a))
	for r := range rows {
		for c := range cols {
			t[c*rows+r] = a[r*cols+c]
		}
	}
	return t
}

func maxAbs(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	var m float64
	for i := range a {
		d := math.Abs(float64(a[i]) - float64(b[i]))
		if math.IsNaN(d) {
			return math.NaN()
		}
		m = math.Max(m, d)
	}
	return m
}

func worstCosine(a, b []float32, rows int) float64 {
	if len(a) != len(b) || rows == 0 {
		return math.Inf(-1)
	}
	cols := len(a) / rows
	worst := 1.0
	for r := range rows {
		var ab, aa, bb float64
		for i := r * cols; i < (r+1)*cols; i++ {
			ab += float64(a[i]) * float64(b[i])
			aa += float64(a[i]) * float64(a[i])
			bb += float64(b[i]) * float64(b[i])
		}
		worst = math.Min(worst, ab/math.Sqrt(aa*bb))
	}
	return worst
}

// top1Diff counts the rows whose arg-max differs.
func top1Diff(got, want []float32, k int) int {
	n := 0
	for r := 0; r+k <= len(want) && r+k <= len(got); r += k {
		if argmax(got[r:r+k]) != argmax(want[r:r+k]) {
			n++
		}
	}
	return n
}

func argmax(x []float32) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}

// Summary is one line per failed result, or "" when all passed.
func Summary(rs []Result) string {
	var b strings.Builder
	for _, r := range rs {
		if !r.OK() {
			b.WriteString(r.String())
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// classifyAll is logits_per_video [B·K]: every video against the same labels, through the inference
// pass (Model.ClassifyBatch).
func classifyAll(m *model.Model, pixels []float32, videos int, text *model.Tensor) ([]float32, error) {
	sets := make([]*model.Tensor, videos)
	for i := range sets {
		sets[i] = text
	}
	rows, err := m.ClassifyBatch(pixels, sets)
	if err != nil {
		return nil, err
	}
	var out []float32
	for _, r := range rows {
		out = append(out, r...)
	}
	return out, nil
}

// ContrastiveLoss is X-CLIP's training loss (the peer's return_loss=True) for a square
// logits_per_video [n, n] whose i-th video goes with the i-th label: the mean of the cross-entropies
// over rows (videos) and over columns (labels). Inference never needs it; the golden files hold it,
// and model's golden tests and every backend's parity check compare against them with this one.
func ContrastiveLoss(logits []float32, n int) (float32, error) {
	if len(logits) != n*n {
		return 0, fmt.Errorf("contrastive loss needs square logits, got %d values for %d videos", len(logits), n)
	}
	at := func(r, c int) float64 { return float64(logits[r*n+c]) }
	crossEntropy := func(transposed bool) float64 {
		var total float64
		for r := range n {
			get := func(c int) float64 {
				if transposed {
					return at(c, r)
				}
				return at(r, c)
			}
			mx := math.Inf(-1)
			for c := range n {
				mx = math.Max(mx, get(c))
			}
			var sum float64
			for c := range n {
				sum += math.Exp(get(c) - mx)
			}
			total += mx + math.Log(sum) - get(r)
		}
		return total / float64(n)
	}
	return float32((crossEntropy(false) + crossEntropy(true)) / 2), nil
}
