package engine

import (
	"errors"
	"fmt"

	"github.com/xclipfilter/xclipfilter/model"
)

// Label sets with prompt ensembling: each label of a model.LabelSet has one or more prompts; every
// prompt is encoded through the classifier's EncodeLabels (and its per-text cache), and a label's
// prompts are averaged by model.EnsemblePrompts. Results carry the set's names. A set of one prompt per
// label (SetLabels, Start) encodes exactly as the labels themselves.

// plainSet is the label set of labels encoded as written, one prompt each.
func plainSet(labels []string) model.LabelSet {
	s := model.LabelSet{Names: labels, Prompts: make([][]string, len(labels))}
	for i, l := range labels {
		s.Prompts[i] = []string{l}
	}
	return s
}

// checkSet refuses a set without labels, or whose prompts do not match its names.
func checkSet(s model.LabelSet) error {
	if len(s.Names) == 0 {
		return errors.New("no labels")
	}
	if len(s.Prompts) != len(s.Names) {
		return fmt.Errorf("%d labels with prompts for %d", len(s.Names), len(s.Prompts))
	}
	for i, p := range s.Prompts {
		if len(p) == 0 {
			return fmt.Errorf("label %d %.80q has no prompt", i+1, s.Names[i])
		}
	}
	return nil
}

// SetLabels encodes new labels (as written, one prompt each) on a goroutine of its own and switches to
// them when done (unless a set requested later is in use by then): windows cut after that use them.
// Label features are cached per text by the classifier, so switching back is cheap. done, if not nil,
// receives the outcome (ErrClosed when Close came first); Close waits for it.
func (e *Engine) SetLabels(labels []string, done func(error)) {
	e.SetLabelSet(plainSet(labels), done)
}

// SetLabelSet is SetLabels for a label set whose labels may have several prompts, averaged into one
// text embedding each.
func (e *Engine) SetLabelSet(set model.LabelSet, done func(error)) {
	set = model.LabelSet{Names: append([]string(nil), set.Names...), Prompts: append([][]string(nil), set.Prompts...)}
	e.mu.Lock()
	closed := e.closed
	if !closed {
		e.encoding.Add(1) // before Close can wait for it
	}
	e.mu.Unlock()
	if closed {
		if done != nil {
			done(ErrClosed)
		}
		return
	}
	e.labelMu.Lock()
	e.labelReq++
	req := e.labelReq
	e.labelMu.Unlock()
	go func() {
		defer e.encoding.Done()
		err := func() (err error) {
			defer func() {
				if p := recover(); p != nil {
					err = fmt.Errorf("internal error encoding labels: %v", p)
				}
			}()
			return e.setLabelSet(req, set)
		}()
		if done != nil {
			done(err)
		}
	}()
}

// setLabelSet encodes a set chunk by chunk (labels whose prompts number at most labelChunk, or one
// label), stopping early when the engine closes, and stores it unless a set requested later was
// stored first.
func (e *Engine) setLabelSet(req uint64, set model.LabelSet) error {
	if err := checkSet(set); err != nil {
		return err
	}
	var feats *model.Tensor
	for i := 0; i < len(set.Names); {
		select {
		case <-e.stop:
			return ErrClosed
		default:
		}
		var texts []string
		var counts []int
		for ; i < len(set.Names) && (len(texts) == 0 || len(texts)+len(set.Prompts[i]) <= labelChunk); i++ {
			texts = append(texts, set.Prompts[i]...)
			counts = append(counts, len(set.Prompts[i]))
		}
		f, err := e.c.EncodeLabels(texts)
		if err != nil {
			return err
		}
		if f, err = model.EnsemblePrompts(f, counts); err != nil {
			return err
		}
		if feats == nil {
			feats = model.NewTensor(len(set.Names), f.Shape[1])
			feats.Data = feats.Data[:0]
		}
		feats.Data = append(feats.Data, f.Data...)
	}
	e.labelMu.Lock()
	defer e.labelMu.Unlock()
	if req > e.stored {
		e.labels.Store(&labelSet{names: set.Names, feats: feats})
		e.stored = req
	}
	return nil
}
