package engine

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xclipfilter/xclipfilter/model"
)

// BatchClassifier scores several windows in one forward pass; *model.Classifier is one. Window i of
// pixels ([B, T, 3, S, S], the windows one after the other) is scored against labels[i].
type BatchClassifier interface {
	ClassifyBatch(pixels []float32, labels []*model.Tensor) ([][]float32, error)
}

// BatchConfig bounds what a Scheduler puts into one forward pass.
type BatchConfig struct {
	// MaxBatch is the most windows in one forward pass (1: every window alone). One window per
	// engine at most is ever waiting, so a pass holds windows of different streams.
	MaxBatch int
	// Timeout is how long a window may wait for others to join its batch when fewer than MaxBatch
	// are ready, counted from its arrival (0: never wait; a lone stream's latency is then that of an
	// engine of its own). A window never waits longer than Timeout plus the pass in progress.
	Timeout time.Duration
}

// DefaultMaxBatch is the batch size of DefaultBatchConfig. Four, not more: on the CPU a window costs
// the same alone or in a batch (the matrix products are already large), while the activations of a
// pass grow with it (about 35 MB per base-size window), so that eight elements sharing a model stay
// within 1.3 times the memory of one. On a GPU, where batches are faster per window, raise it.
const DefaultMaxBatch = 4

// DefaultBatchConfig batches whatever is ready, up to DefaultMaxBatch windows, and never waits for
// more.
func DefaultBatchConfig() BatchConfig { return BatchConfig{MaxBatch: DefaultMaxBatch} }

// MaxBatchLimit bounds MaxBatch: a batch's pixels and activations grow with it (a base-size window's
// activations are about 100 MB).
const MaxBatchLimit = 64

// Scheduler runs the windows of several engines (Config.Scheduler) on one classifier: windows ready at
// the same moment go through the model in one forward pass (ClassifyBatch), and each result goes back
// to the engine that sent the window. It holds no queue of its own beyond one window per engine: an
// engine hands over a window only when its previous one is done (and otherwise skips it, or waits
// when Blocking), so the windows waiting here are at most the engines using it.
type Scheduler struct {
	c   BatchClassifier
	cfg BatchConfig

	mu      sync.Mutex
	queue   []*request // oldest first
	closed  bool
	wake    chan struct{} // a request arrived or Close was called (capacity 1)
	stopped chan struct{} // closed when the loop has returned

	batches atomic.Uint64 // forward passes run
	windows atomic.Uint64 // windows classified
	largest atomic.Uint64 // most windows in one pass
}

// request is one window waiting for its pass; reply receives exactly one answer.
type request struct {
	pixels  []float32
	labels  *model.Tensor
	arrived time.Time
	reply   chan answer
}

type answer struct {
	logits []float32
	batch  int // windows in the pass that computed it
	err    error
}

// SchedulerStats are a Scheduler's counters since NewScheduler.
type SchedulerStats struct {
	Batches, Windows, LargestBatch uint64
}

// NewScheduler starts the scheduling goroutine for c. Close stops it.
func NewScheduler(c BatchClassifier, cfg BatchConfig) (*Scheduler, error) {
	if cfg.MaxBatch < 1 || cfg.MaxBatch > MaxBatchLimit {
		return nil, fmt.Errorf("batch size must be between 1 and %d, got %d", MaxBatchLimit, cfg.MaxBatch)
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("batch timeout must not be negative, got %v", cfg.Timeout)
	}
	s := &Scheduler{c: c, cfg: cfg, wake: make(chan struct{}, 1), stopped: make(chan struct{})}
	go s.loop()
	return s, nil
}

// Config is the batching the scheduler was started with.
func (s *Scheduler) Config() BatchConfig { return s.cfg }

// Stats returns the counters.
func (s *Scheduler) Stats() SchedulerStats {
	return SchedulerStats{Batches: s.batches.Load(), Windows: s.windows.Load(), LargestBatch: s.largest.Load()}
}

// Classify hands one window (preprocessed pixels [T, 3, S, S] and its label features) to the next
// forward pass and waits for its logits; batch is the number of windows that pass held. After Close
// it returns ErrClosed.
func (s *Scheduler) Classify(pixels []float32, labels *model.Tensor) (logits []float32, batch int, err error) {
	r := &request{pixels: pixels, labels: labels, arrived: time.Now(), reply: make(chan answer, 1)}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, 0, ErrClosed
	}
	s.queue = append(s.queue, r)
	s.mu.Unlock()
	s.signal()
	a := <-r.reply
	return a.logits, a.batch, a.err
}

func (s *Scheduler) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Close answers the windows still waiting with ErrClosed, lets the pass in progress finish and stops
// the goroutine. Engines using the scheduler should be closed first.
func (s *Scheduler) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		<-s.stopped
		return
	}
	s.closed = true
	s.mu.Unlock()
	s.signal()
	<-s.stopped
}

// loop takes the windows that are ready (up to MaxBatch, oldest first), waits for more while the
// oldest one's Timeout lasts, and runs them as one pass.
func (s *Scheduler) loop() {
	defer close(s.stopped)
	for {
		batch, ok := s.next()
		if !ok {
			return
		}
		s.run(batch)
	}
}

// next waits for a batch; false when closed.
func (s *Scheduler) next() ([]*request, bool) {
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		s.mu.Lock()
		if s.closed {
			q := s.queue
			s.queue = nil
			s.mu.Unlock()
			for _, r := range q {
				r.reply <- answer{err: ErrClosed}
			}
			return nil, false
		}
		n := len(s.queue)
		var wait time.Duration
		if n > 0 && n < s.cfg.MaxBatch && s.cfg.Timeout > 0 {
			wait = time.Until(s.queue[0].arrived.Add(s.cfg.Timeout))
		}
		if n > 0 && wait <= 0 {
			k := min(n, s.cfg.MaxBatch)
			batch := append([]*request(nil), s.queue[:k]...)
			s.queue = append(s.queue[:0], s.queue[k:]...)
			s.mu.Unlock()
			return batch, true
		}
		s.mu.Unlock()
		if n == 0 {
			<-s.wake
			continue
		}
		if timer == nil {
			timer = time.NewTimer(wait)
		} else {
			timer.Reset(wait)
		}
		select {
		case <-s.wake:
			timer.Stop() // Go 1.23 timers: nothing stale to drain, Reset is safe after Stop
		case <-timer.C:
		}
	}
}

// run classifies a batch and answers each window. When the pass fails and held several windows, each
// is classified alone, so that one stream's bad window does not cost the others their results.
func (s *Scheduler) run(batch []*request) {
	logits, err := s.classify(batch)
	if err != nil && len(batch) > 1 {
		for _, r := range batch {
			s.run([]*request{r})
		}
		return
	}
	s.batches.Add(1)
	s.windows.Add(uint64(len(batch)))
	for {
		l := s.largest.Load()
		if uint64(len(batch)) <= l || s.largest.CompareAndSwap(l, uint64(len(batch))) {
			break
		}
	}
	for i, r := range batch {
		if err != nil {
			r.reply <- answer{batch: len(batch), err: err}
			continue
		}
		r.reply <- answer{logits: logits[i], batch: len(batch)}
	}
}

// classify runs one forward pass; a panic in the model becomes an error.
func (s *Scheduler) classify(batch []*request) (out [][]float32, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("internal error in inference: %v", p)
		}
	}()
	n := len(batch[0].pixels)
	pixels := batch[0].pixels
	labels := make([]*model.Tensor, len(batch))
	if len(batch) > 1 {
		pixels = make([]float32, 0, n*len(batch))
	}
	for i, r := range batch {
		if len(r.pixels) != n {
			return nil, fmt.Errorf("windows of %d and %d pixel values in one batch", n, len(r.pixels))
		}
		if len(batch) > 1 {
			pixels = append(pixels, r.pixels...)
		}
		labels[i] = r.labels
	}
	out, err = s.c.ClassifyBatch(pixels, labels)
	if err == nil && len(out) != len(batch) {
		err = fmt.Errorf("%d results for %d windows", len(out), len(batch))
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}
