// Package model is X-CLIP (Ni et al., 2022, "Expanding Language-Image Pretrained Models for General
// Video Recognition") as Hugging Face transformers' XCLIPModel computes it: it loads published
// checkpoints, and maps label token ids and video frames to logits.
//
// The forward pass reads top-down: text.go (label encoder), vision.go (ViT with cross-frame
// communication), mit.go (multi-frame integration transformer), prompts.go (video-specific prompt
// generator), and Logits below. Expensive operations go through a Backend.
package model

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Model is a loaded XCLIPModel.
type Model struct {
	Config Config
	Info   Info

	backend                 Backend
	text                    *textTransformer
	textProjection          Linear
	vision                  *visionTransformer
	visualProjection        Linear
	mit                     *mit
	promptsVisualLayerNorm  layerNorm
	promptsVisualProjection Linear // the checkpoint's [D, P] matrix, stored transposed as a Linear [P, D]
	promptsGenerator        *promptsGenerator
	logitScale              float32 // exp(logit_scale)
}

// Info describes a loaded checkpoint.
type Info struct {
	Dir        string
	Weights    string         // the file the weights came from
	Parameters int64          // loaded parameters (buffers excluded)
	DTypes     map[string]int // tensors per stored dtype
	Backend    string
}

// Options configure Load.
type Options struct {
	// Backend runs the model; nil means the CPU backend on all cores.
	Backend Backend
}

// Load reads a checkpoint folder: config.json and model.safetensors (or its sharded index, or a
// weights_manifest.json of formula weights).
//
// The folder may be hostile: files are read only when regular and within a size cap (internal/safefile),
// config.json sizes are capped (limits.go) and compared with the weights' headers before anything is
// allocated from them, and NaN or infinite weights are refused. Errors name the file, key and tensor,
// listing the first 10 problems.
func Load(dir string, opts Options) (*Model, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("model folder: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("model folder %s is not a directory", dir)
	}
	cfg, err := LoadConfig(filepath.Join(dir, "config.json"))
	if err != nil {
		return nil, err
	}
	source, files, err := openWeights(dir)
	if err != nil {
		return nil, fmt.Errorf("model weights: %w", err)
	}
	b := opts.Backend
	if b == nil {
		b = NewCPUBackend(0)
	}
	w, err := newWeights(source, files, b)
	if err != nil {
		for _, f := range files {
			_ = f.Close()
		}
		return nil, err
	}
	defer w.close()
	// Every size of the config is compared with the weights' headers before anything is built from it;
	// the build then allocates nothing for a tensor before its shape is checked (weights.check), so it
	// goes on to list every missing or mis-shaped tensor in the same error.
	for _, p := range checkAgainstWeights(cfg, w) {
		w.problem("config.json: " + p)
	}
	m := build(w, cfg)
	if err := w.finish(); err != nil {
		return nil, err
	}
	m.Info = Info{Dir: dir, Weights: source, Parameters: w.params, DTypes: w.dtypes, Backend: b.Name()}
	return m, nil
}

// build creates every layer from the checkpoint's tensors, named as Hugging Face names them.
func build(w *weights, cfg Config) *Model {
	v, p := cfg.Vision.HiddenSize, cfg.ProjectionDim
	m := &Model{
		Config:                 cfg,
		backend:                w.backend,
		text:                   loadTextTransformer(w, cfg.Text),
		textProjection:         w.linear("text_projection", p, cfg.Text.HiddenSize, false),
		vision:                 loadVisionTransformer(w, cfg.Vision),
		visualProjection:       w.linear("visual_projection", p, v, false),
		mit:                    loadMIT(w, cfg.Vision),
		promptsVisualLayerNorm: w.layerNorm("prompts_visual_layernorm", v, cfg.Vision.LayerNormEps),
		promptsGenerator:       loadPromptsGenerator(w, cfg),
	}
	if proj := w.get("prompts_visual_projection", v, p); proj != nil {
		m.promptsVisualProjection = w.backend.NewLinear(transpose(proj, v, p), nil, p, v)
	}
	if ls := w.get("logit_scale"); ls != nil {
		m.logitScale = float32(math.Exp(float64(ls[0])))
		if math.IsInf(float64(m.logitScale), 0) {
			w.problem(fmt.Sprintf("logit_scale %v: its exp overflows float32 (every logit would be infinite)", ls[0]))
		}
	}
	return m
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

// Backend is the backend the model runs on.
func (m *Model) Backend() Backend { return m.backend }

// TextFeatures is get_text_features: the projected EOS embedding of each of n token sequences of equal
// length (ids and mask [n][L], mask 0 on padding). The result [n, P] is not normalised; a label set is
// encoded once and reused for every window.
func (m *Model) TextFeatures(ids, mask [][]int) (*Tensor, error) {
	return m.textFeatures(ids, mask, nil)
}

func (m *Model) textFeatures(ids, mask [][]int, trace *textTrace) (*Tensor, error) {
	n := len(ids)
	if n == 0 {
		return nil, errors.New("no text to encode")
	}
	l := len(ids[0])
	if l == 0 {
		return nil, errors.New("empty token sequence")
	}
	flatIDs, flatMask := make([]int, 0, n*l), make([]int, 0, n*l)
	for i := range ids {
		if len(ids[i]) != l || len(mask[i]) != l {
			return nil, fmt.Errorf("token sequence %d has length %d (mask %d), want %d: pad the batch", i, len(ids[i]), len(mask[i]), l)
		}
		flatIDs = append(flatIDs, ids[i]...)
		flatMask = append(flatMask, mask[i]...)
	}
	ws := m.backend.Workspace()
	defer ws.Release()
	pooled, err := m.text.forward(m.backend, ws, flatIDs, flatMask, n, l, trace)
	if err != nil {
		return nil, err
	}
	p := m.Config.ProjectionDim
	feats := ws.Alloc(n, p)
	m.textProjection.Forward(feats, pooled, Epilogue{})
	out := NewTensor(n, p)
	m.backend.Download(out.Data, feats)
	return out, nil
}

// Video is what Logits needs from a batch of videos, on the host.
type Video struct {
	// Features is get_video_features: the MIT-pooled video embedding [B, P], not normalised.
	Features *Tensor
	// prompts is the mean over frames of the projected patch tokens [B·N, P]: what labels attend to in
	// the prompt generator.
	prompts []float32
}

// window returns the features of video i alone.
func (v *Video) window(i int) *Video {
	p := v.Features.Shape[1]
	n := len(v.prompts) / v.Features.Shape[0]
	f := NewTensor(1, p)
	copy(f.Data, v.Features.Data[i*p:(i+1)*p])
	return &Video{Features: f, prompts: v.prompts[i*n : (i+1)*n]}
}

// videoTrace collects intermediates for tests.
type videoTrace struct {
	vision        visionTrace
	visionPooler  []float32
	mitLastHidden []float32
}

// EncodeVideo runs the vision side on B videos of num_frames frames each: pixels is [B, T, C, S, S] as
// the image processor makes it.
func (m *Model) EncodeVideo(pixels []float32, videos int) (*Video, error) {
	return m.encodeVideo(pixels, videos, nil)
}

func (m *Model) encodeVideo(pixels []float32, videos int, trace *videoTrace) (*Video, error) {
	vc := m.Config.Vision
	t := vc.NumFrames
	want := videos * t * vc.NumChannels * vc.ImageSize * vc.ImageSize
	if videos <= 0 {
		return nil, fmt.Errorf("no video to encode")
	}
	if len(pixels) != want {
		return nil, fmt.Errorf("pixel values have %d elements, want %d (%d videos × %d frames × %d×%d×%d)",
			len(pixels), want, videos, t, vc.NumChannels, vc.ImageSize, vc.ImageSize)
	}
	b := m.backend
	ws := b.Workspace()
	defer ws.Release()
	px := ws.Alloc(videos*t*vc.NumChannels*vc.ImageSize, vc.ImageSize) // [B·T·C·S, S]
	b.Upload(px, pixels)
	return m.encodeVideoMat(ws, px, videos, trace)
}

// EncodeVideoMat is EncodeVideo for pixels already in backend memory (uploaded once, or preprocessed
// there): a packed Mat of B·T·C·S·S values in [B, T, C, S, S] order, e.g. [B·T·C·S, S].
func (m *Model) EncodeVideoMat(pixels Mat, videos int) (*Video, error) {
	vc := m.Config.Vision
	want := videos * vc.NumFrames * vc.NumChannels * vc.ImageSize * vc.ImageSize
	if videos <= 0 {
		return nil, fmt.Errorf("no video to encode")
	}
	if pixels.Rows*pixels.Cols != want || (pixels.Ld != pixels.Cols && pixels.Rows > 1) {
		return nil, fmt.Errorf("pixel matrix %dx%d (row stride %d) is not %d packed values (%d videos × %d frames × %d×%d×%d)",
			pixels.Rows, pixels.Cols, pixels.Ld, want, videos, vc.NumFrames, vc.NumChannels, vc.ImageSize, vc.ImageSize)
	}
	ws := m.backend.Workspace()
	defer ws.Release()
	return m.encodeVideoMat(ws, pixels, videos, nil)
}

func (m *Model) encodeVideoMat(ws Workspace, pixels Mat, videos int, trace *videoTrace) (*Video, error) {
	vc := m.Config.Vision
	t, p := vc.NumFrames, m.Config.ProjectionDim
	b := m.backend
	var vt *visionTrace
	if trace != nil {
		vt = &trace.vision
	}
	out := m.vision.forward(b, ws, pixels, videos, t, vt)
	bt := videos * t
	// Frame embeddings: visual_projection(post_layernorm(CLS)) [B·T, P].
	frames := ws.Alloc(bt, p)
	m.visualProjection.Forward(frames, out.pooled, Epilogue{})
	pooled, mitHidden := m.mit.forward(b, ws, frames, videos, t)

	// Prompt tokens: mean over frames of prompts_visual_layernorm(patches) @ prompts_visual_projection.
	// The mean is taken before the projection (the same value: the projection is linear), which saves a
	// factor T in that GEMM. The LayerNorm also runs on CLS and message rows, which are not used.
	np, ls := vc.NumPatches(), vc.NumPatches()+2
	normed := ws.Alloc(out.hidden.Rows, out.hidden.Cols)
	m.promptsVisualLayerNorm.forward(b, normed, out.hidden)
	mean := ws.Alloc(videos*np, vc.HiddenSize)
	b.MeanFrames(mean, normed.Slice(1, normed.Rows), videos, t, np, ls)
	prompts := ws.Alloc(videos*np, p)
	m.promptsVisualProjection.Forward(prompts, mean, Epilogue{})

	v := &Video{Features: NewTensor(videos, p), prompts: make([]float32, videos*np*p)}
	b.Download(v.Features.Data, pooled)
	b.Download(v.prompts, prompts)
	if trace != nil {
		trace.visionPooler = make([]float32, bt*vc.HiddenSize)
		b.Download(trace.visionPooler, out.pooled)
		trace.mitLastHidden = make([]float32, bt*p)
		b.Download(trace.mitLastHidden, mitHidden)
	}
	return v, nil
}

// Logits is XCLIPModel's logits_per_video [B, K] for videos v and label features text ([K, P] from
// TextFeatures): each label embedding is adapted to each video by the prompt generator, both sides are
// L2-normalised, and their cosine is scaled by exp(logit_scale).
func (m *Model) Logits(v *Video, text *Tensor) (*Tensor, error) {
	l, _, err := m.logits(v, text, nil)
	return l, err
}

// logits also returns, for tests, the normalised text embeddings [B·K, P] and the prompt generator's
// output [B·K, P] when gen is not nil.
func (m *Model) logits(v *Video, text *Tensor, gen *[]float32) (logits *Tensor, textEmbeds []float32, err error) {
	p := m.Config.ProjectionDim
	if v == nil || text == nil || len(text.Shape) != 2 || text.Shape[1] != p {
		return nil, nil, fmt.Errorf("logits need video features and text features [K, %d]", p)
	}
	videos, k := v.Features.Shape[0], text.Shape[0]
	if k == 0 {
		return nil, nil, errors.New("no labels")
	}
	b := m.backend
	ws := b.Workspace()
	defer ws.Release()
	textMat := ws.Alloc(k, p)
	b.Upload(textMat, text.Data)
	visual := ws.Alloc(len(v.prompts)/p, p)
	b.Upload(visual, v.prompts)
	video := ws.Alloc(videos, p)
	b.Upload(video, v.Features.Data)

	embeds := m.promptsGenerator.forward(b, ws, textMat, visual, videos) // [B·K, P]
	if gen != nil {
		*gen = make([]float32, videos*k*p)
		b.Download(*gen, embeds)
	}
	b.Add(embeds, textMat) // text + alpha·generator(text), text repeating for every video
	b.Normalize(embeds)
	b.Normalize(video)
	out := ws.Alloc(videos, k)
	b.RowDots(out, video, embeds, k, m.logitScale)
	logits = NewTensor(videos, k)
	b.Download(logits.Data, out)
	textEmbeds = make([]float32, videos*k*p)
	b.Download(textEmbeds, embeds)
	return logits, textEmbeds, nil
}

// ContrastiveLoss is X-CLIP's training loss for a square logits_per_video [N, N] whose i-th video goes
// with the i-th label: the mean of the cross-entropies over rows (videos) and over columns (labels).
func ContrastiveLoss(logitsPerVideo *Tensor) (float32, error) {
	if len(logitsPerVideo.Shape) != 2 || logitsPerVideo.Shape[0] != logitsPerVideo.Shape[1] {
		return 0, fmt.Errorf("contrastive loss needs square logits, got %v", logitsPerVideo.Shape)
	}
	n := logitsPerVideo.Shape[0]
	at := func(r, c int) float64 { return float64(logitsPerVideo.Data[r*n+c]) }
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

// Softmax returns the softmax of a row of logits (in float64 for accuracy).
func Softmax(logits []float32) []float32 {
	mx := math.Inf(-1)
	for _, v := range logits {
		mx = math.Max(mx, float64(v))
	}
	var sum float64
	out := make([]float32, len(logits))
	for _, v := range logits {
		sum += math.Exp(float64(v) - mx)
	}
	for i, v := range logits {
		out[i] = float32(math.Exp(float64(v)-mx) / sum)
	}
	return out
}

// String summarises the checkpoint (for `xclip info`).
func (i Info) String() string {
	var dt []string
	for k, n := range i.DTypes {
		dt = append(dt, fmt.Sprintf("%s×%d", k, n))
	}
	sort.Strings(dt)
	return fmt.Sprintf("%s (%d parameters, %s)", i.Weights, i.Parameters, strings.Join(dt, ", "))
}
