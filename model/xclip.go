// Package model is X-CLIP (Ni et al., 2022, "Expanding Language-Image Pretrained Models for General
// Video Recognition") as Hugging Face transformers' XCLIPModel computes it: it loads published
// checkpoints, and maps label token ids and video frames to logits.
//
// The forward pass reads top-down: text.go (label encoder), vision.go (ViT with cross-frame
// communication), mit.go (multi-frame integration transformer), prompts.go (video-specific prompt
// generator) and forward.go (the inference pass: a batch of windows to logits, each window against its
// own labels). Expensive operations go through a Backend.
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

	obs observer // intermediates for tests (export_test.go); nil in production
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
	// Backend runs the model (required): cpu.New for the CPU, cuda.New for an NVIDIA GPU.
	Backend Backend
	// Weights, when set, supplies the checkpoint's tensors instead of the folder's weight files (the
	// golden data's formula weights: internal/formula.WithWeights). Load closes it before returning.
	Weights TensorFile
}

// Load reads a checkpoint folder: config.json and model.safetensors (or its sharded index, or a PyTorch
// pytorch_model.bin), or the tensors of opts.Weights.
//
// The folder may be hostile: files are read only when regular and within a size cap (internal/safefile),
// config.json sizes are capped (limits.go) and compared with the weights' headers before anything is
// allocated from them, and NaN or infinite weights are refused. Errors name the file, key and tensor,
// listing the first 10 problems.
func Load(dir string, opts Options) (*Model, error) {
	cfg, err := loadFolderConfig(dir)
	if err == nil && opts.Backend == nil {
		err = errors.New("model.Options.Backend is nil: give the backend to run on (cpu.New, cuda.New)")
	}
	if err != nil {
		if opts.Weights != nil {
			_ = opts.Weights.Close()
		}
		return nil, err
	}
	var (
		source string
		files  []TensorFile
	)
	if opts.Weights != nil {
		source, files = opts.Weights.Name(), []TensorFile{opts.Weights}
	} else if source, files, err = openWeights(dir); err != nil {
		return nil, fmt.Errorf("model weights: %w", err)
	}
	b := opts.Backend
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

// loadFolderConfig reads dir/config.json.
func loadFolderConfig(dir string) (Config, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return Config{}, fmt.Errorf("model folder: %w", err)
	}
	if !st.IsDir() {
		return Config{}, fmt.Errorf("model folder %s is not a directory", dir)
	}
	return LoadConfig(filepath.Join(dir, "config.json"))
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
// encoded once and reused for every window (ClassifyBatch).
func (m *Model) TextFeatures(ids, mask [][]int) (*Tensor, error) {
	n := len(ids)
	if n == 0 {
		return nil, errors.New("no text to encode")
	}
	l := len(ids[0])
	if l == 0 {
		return nil, errors.New("empty token sequence")
	}
	if len(mask) != n {
		return nil, fmt.Errorf("%d token sequences but %d attention masks", n, len(mask))
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
	pooled, err := m.text.forward(m.backend, ws, flatIDs, flatMask, n, l, m.obs)
	if err != nil {
		return nil, err
	}
	p := m.Config.ProjectionDim
	feats := ws.Alloc(n, p)
	m.textProjection.Forward(feats, pooled, Epilogue{})
	observe(m.obs, "text_features", feats)
	out := NewTensor(n, p)
	m.backend.Download(out.Data, feats)
	return out, nil
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
