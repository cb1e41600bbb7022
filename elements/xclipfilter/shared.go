package xclipfilter

/*
#include "xclip.h"
*/
import "C"

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/xclipfilter/xclipfilter/engine"
	"github.com/xclipfilter/xclipfilter/model"
)

// models holds the model instances of this process, one per (checkpoint folder, device, precision,
// model-instance-id). It is the plugin's one piece of process state: GStreamer creates elements
// independently, and a table they all reach is the only way for eight elements naming one checkpoint
// to load it once (one copy of the weights, one label-feature cache, one scheduler that batches their
// windows). Each element holds a reference from start to stop; the last stop frees the instance.
var models = engine.NewRegistry[*sharedModel]()

// sharedModel is the classifier of one instance, as its scheduler calls it: the test hooks of
// element.go apply to every forward pass.
type sharedModel struct {
	*model.Classifier
}

// ClassifyBatch runs one pass, slowed down, made to panic or its logits rewritten by the test hooks.
func (m *sharedModel) ClassifyBatch(pixels []float32, labels []*model.Tensor) ([][]float32, error) {
	if d := time.Duration(inferenceDelay.Load()); d > 0 {
		time.Sleep(d)
	}
	if inferencePanic.Load() {
		panic("injected inference fault")
	}
	out, err := m.Classifier.ClassifyBatch(pixels, labels)
	if mangle := inferenceMangle.Load(); mangle != nil && err == nil {
		for _, l := range out {
			(*mangle)(l)
		}
	}
	return out, err
}

// Close frees what the backend holds beyond Go memory (the GPU's), once the last element stopped.
func (m *sharedModel) Close() {
	if c, ok := m.Model.Backend().(interface{ Close() }); ok {
		c.Close()
	}
}

// batchConfig is the batching the element's properties ask for.
func (s *settings) batchConfig() engine.BatchConfig {
	return engine.BatchConfig{MaxBatch: int(s.batchSize), Timeout: time.Duration(s.batchTimeout)}
}

// acquireModel returns a handle on the model instance for the checkpoint folder dir and the element's
// device, precision and model-instance-id, loading it when no running element holds it. An instance
// batches as the element that loaded it asked; an element asking otherwise is told so by a warning.
func (f *filter) acquireModel(dir string, s settings) (*engine.Shared[*sharedModel], error) {
	dev, prec := backendNames(s.device, s.precision)
	key := engine.Key{Checkpoint: canonicalDir(dir), Device: dev, Precision: prec,
		Instance: s.instanceID}
	h, err := models.Acquire(key, s.batchConfig(), func() (*sharedModel, error) {
		c, err := f.loadClassifier(dir, s.device, s.precision, int(s.threads))
		if err != nil {
			return nil, err
		}
		return &sharedModel{c}, nil
	})
	if err != nil {
		return nil, err
	}
	if h.Created {
		f.log(C.GST_LEVEL_INFO, fmt.Sprintf("loaded model instance %s: batches of up to %d windows, batch-timeout %v",
			key, s.batchSize, time.Duration(s.batchTimeout)))
		return h, nil
	}
	f.log(C.GST_LEVEL_INFO, fmt.Sprintf("sharing model instance %s with other elements", key))
	if got := h.Scheduler.Config(); got != s.batchConfig() {
		f.refuse(fmt.Sprintf("model instance %s is shared with an element that started first with batch-size %d "+
			"and batch-timeout %d ns: those apply, not this element's %d and %d ns (set model-instance-id to "+
			"give this element an instance of its own)", key, got.MaxBatch, got.Timeout.Nanoseconds(),
			s.batchSize, s.batchTimeout))
	}
	return h, nil
}

// canonicalDir names a folder the same way however the model property spelled it (relative, through a
// symbolic link), so that elements naming one checkpoint differently still share it.
func canonicalDir(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	return dir
}

// checkInstanceID refuses a model-instance-id that could not be told apart in messages.
func checkInstanceID(id string) error {
	if len(id) > 256 {
		return fmt.Errorf("model-instance-id is %d bytes long: at most 256 are allowed", len(id))
	}
	if strings.ContainsFunc(id, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return fmt.Errorf("model-instance-id %q has control characters", id)
	}
	return nil
}
