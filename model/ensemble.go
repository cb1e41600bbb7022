package model

import (
	"fmt"
	"math"
)

// EnsemblePrompts averages the text features of each label's prompts into one row: feats is [N, P],
// the prompts of label 0 first (counts[0] rows), then those of label 1, and so on; the result is
// [len(counts), P].
//
// This is CLIP's prompt ensembling (Radford et al. 2021, §3.1.4): every prompt's features are
// L2-normalised, averaged and the average renormalised, so that each wording counts alike whatever
// its norm. X-CLIP differs from CLIP in what follows: its video-specific prompts generator adds
// alpha·generator(text, video) to the text features before the logits normalise them, so the norm
// of the text features sets how much the generator's output weighs (TestEnsembleNormMatters shows the
// logits change when a single prompt's features are normalised). The average is therefore scaled
// back to the mean norm of its prompts' features, the size the generator was trained with:
//
//	e = mean_i ‖f_i‖ · u/‖u‖,  u = mean_i f_i/‖f_i‖
//
// A label with one prompt keeps that prompt's features bit for bit: ensembling one prompt changes
// nothing. The sums run in float64.
func EnsemblePrompts(feats *Tensor, counts []int) (*Tensor, error) {
	if len(feats.Shape) != 2 {
		return nil, fmt.Errorf("prompt ensembling needs text features [N, P], got shape %v", feats.Shape)
	}
	n, p := feats.Shape[0], feats.Shape[1]
	total := 0
	for i, c := range counts {
		if c < 1 {
			return nil, fmt.Errorf("prompt ensembling: label %d has %d prompts", i+1, c)
		}
		total += c
	}
	if total != n {
		return nil, fmt.Errorf("prompt ensembling: %d prompts counted, %d rows of text features", total, n)
	}
	out := NewTensor(len(counts), p)
	u := make([]float64, p)
	row := 0
	for i, c := range counts {
		dst := out.Data[i*p : (i+1)*p]
		if c == 1 {
			copy(dst, feats.Data[row*p:(row+1)*p])
			row++
			continue
		}
		clear(u)
		var norms float64
		for range c {
			f := feats.Data[row*p : (row+1)*p]
			norm := l2(f)
			norms += norm
			for j, v := range f {
				u[j] += float64(v) / norm
			}
			row++
		}
		var uu float64
		for _, v := range u {
			uu += v * v
		}
		scale := norms / float64(c) / math.Sqrt(uu) // the 1/c of the mean cancels in u/‖u‖
		for j, v := range u {
			dst[j] = float32(v * scale)
		}
	}
	return out, nil
}

// l2 is the Euclidean norm of f, in float64.
func l2(f []float32) float64 {
	var s float64
	for _, v := range f {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s)
}

// EncodeLabelSet returns text features [K, P] for a label set: every prompt is encoded (through
// EncodeLabels' cache) and each label's prompts are averaged by EnsemblePrompts.
func (c *Classifier) EncodeLabelSet(s LabelSet) (*Tensor, error) {
	if err := s.Check(); err != nil {
		return nil, err
	}
	texts := make([]string, 0, s.NumPrompts())
	counts := make([]int, len(s.Prompts))
	for i, p := range s.Prompts {
		texts = append(texts, p...)
		counts[i] = len(p)
	}
	feats, err := c.EncodeLabels(texts)
	if err != nil {
		return nil, err
	}
	return EnsemblePrompts(feats, counts)
}
