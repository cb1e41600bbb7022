package model

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/xclipfilter/xclipfilter/model/preprocess"
	"github.com/xclipfilter/xclipfilter/model/tokenizer"
)

// Classifier is what an application needs for zero-shot video classification: the model, its tokenizer
// and its image processor, and a cache of label embeddings so that a label set is encoded once and reused
// for every window. It is safe for concurrent use.
type Classifier struct {
	Model     *Model
	Tokenizer *tokenizer.Tokenizer
	Processor *preprocess.Processor
	// Warn receives non-fatal notices (a label truncated to 77 tokens). Nil discards them.
	Warn func(msg string)

	mu    sync.Mutex
	cache *labelCache // label text → text features [P], the maxCachedLabels most recently used
}

// NewClassifier loads a checkpoint folder with its tokenizer (tokenizer.json, or vocab.json and
// merges.txt) and preprocessor_config.json (X-CLIP's published defaults when absent).
func NewClassifier(dir string, opts Options) (*Classifier, error) {
	m, err := Load(dir, opts)
	if err != nil {
		return nil, err
	}
	tok, err := tokenizer.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	pcfg := preprocess.Default(m.Config.Vision.ImageSize)
	if p := filepath.Join(dir, "preprocessor_config.json"); fileExists(p) {
		if pcfg, err = preprocess.LoadConfig(p); err != nil {
			return nil, err
		}
	}
	if h, w := pcfg.OutputSize(); h != m.Config.Vision.ImageSize || w != m.Config.Vision.ImageSize {
		return nil, fmt.Errorf("preprocessor_config.json makes %dx%d pictures but the model's image_size is %d", w, h, m.Config.Vision.ImageSize)
	}
	proc, err := preprocess.New(pcfg)
	if err != nil {
		return nil, err
	}
	return &Classifier{Model: m, Tokenizer: tok, Processor: proc, cache: newLabelCache(maxCachedLabels)}, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// NumFrames is the window length the model was trained with.
func (c *Classifier) NumFrames() int { return c.Model.Config.Vision.NumFrames }

// EncodeLabels returns text features [K, P] for the labels, computing only those not cached yet.
func (c *Classifier) EncodeLabels(labels []string) (*Tensor, error) {
	if len(labels) == 0 {
		return nil, errors.New("no labels: give at least one")
	}
	for i, l := range labels {
		if strings.TrimSpace(l) == "" {
			return nil, fmt.Errorf("label %d is empty", i+1)
		}
	}
	p := c.Model.Config.ProjectionDim
	out := NewTensor(len(labels), p)
	// Cached labels are copied out at once: the cache is bounded, so an entry may be gone later.
	c.mu.Lock()
	var todo []string
	rows := map[string][]int{} // label text → rows of out it fills, for the labels not cached
	for i, l := range labels {
		if f, ok := c.cache.get(l); ok {
			copy(out.Data[i*p:], f)
			continue
		}
		if _, ok := rows[l]; !ok {
			todo = append(todo, l)
		}
		rows[l] = append(rows[l], i)
	}
	c.mu.Unlock()
	if len(todo) > 0 {
		batch := c.Tokenizer.EncodeBatch(todo, tokenizer.MaxLength, 0)
		for i, tr := range batch.Truncated {
			if tr && c.Warn != nil {
				c.Warn(fmt.Sprintf("label %.200q is longer than %d tokens and was truncated", todo[i], tokenizer.MaxLength))
			}
		}
		feats, err := c.Model.TextFeatures(batch.IDs, batch.Mask)
		if err != nil {
			return nil, fmt.Errorf("encoding labels: %w", err)
		}
		if feats.Shape[1] != p {
			return nil, fmt.Errorf("encoding labels: text features of %d values, projection_dim is %d", feats.Shape[1], p)
		}
		c.mu.Lock()
		for i, l := range todo {
			f := append([]float32(nil), feats.Data[i*p:(i+1)*p]...) // its own array: the batch's is dropped
			c.cache.put(l, f)
			for _, row := range rows[l] {
				copy(out.Data[row*p:], f)
			}
		}
		c.mu.Unlock()
	}
	return out, nil
}

// Pixels preprocesses one window of exactly NumFrames frames into [T, 3, S, S].
func (c *Classifier) Pixels(frames []preprocess.Frame) ([]float32, error) {
	t := c.NumFrames()
	if len(frames) != t {
		return nil, fmt.Errorf("a window has %d frames, the model takes %d", len(frames), t)
	}
	s := c.Model.Config.Vision.ImageSize
	per := 3 * s * s
	out := make([]float32, t*per)
	for i, f := range frames {
		if err := c.Processor.Process(out[i*per:(i+1)*per], f); err != nil {
			return nil, fmt.Errorf("frame %d: %w", i, err)
		}
	}
	return out, nil
}

// Classify returns logits_per_video for one window of preprocessed pixels [T, 3, S, S] against label
// features from EncodeLabels.
func (c *Classifier) Classify(pixels []float32, labels *Tensor) ([]float32, error) {
	out, err := c.ClassifyBatch(pixels, []*Tensor{labels})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// ClassifyBatch classifies len(labels) windows in one forward pass: pixels holds the windows one after
// the other ([B, T, 3, S, S]) and window i is scored against labels[i] (windows from different streams
// may have different label sets). It returns the logits of each window (Model.ClassifyBatch: the vision
// side, which is nearly all the work, runs once over the whole batch).
func (c *Classifier) ClassifyBatch(pixels []float32, labels []*Tensor) ([][]float32, error) {
	return c.Model.ClassifyBatch(pixels, labels)
}

// SampleUniform picks t indices out of n, the centres of t equal segments: every frame is used once when
// n = t, frames are spread evenly when n > t, and repeated evenly when n < t.
func SampleUniform(n, t int) []int {
	idx := make([]int, t)
	for i := range idx {
		idx[i] = (2*i + 1) * n / (2 * t)
	}
	return idx
}
