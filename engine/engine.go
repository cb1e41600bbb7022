// Package engine turns a stream of video frames into classified windows without ever making the
// stream wait: it samples frames (every FrameInterval-th), keeps the last NumFrames of them, and every
// WindowStride sampled frames hands a window to one inference goroutine. When that goroutine is still
// busy, the window is skipped and counted, never queued: a live pipeline must not accumulate latency.
//
// The GStreamer element and the command line share it; the command line runs it Blocking, so that a
// file is classified window by window without skips.
//
// Several engines can share one model through a Scheduler (Config.Scheduler): each still has its own
// window, labels, skip count and result order, but the windows that several streams have ready at the
// same moment go through the model in one forward pass. A Registry gives the engines of one process
// one Scheduler per checkpoint, device and precision.
package engine

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xclipfilter/xclipfilter/model"
	"github.com/xclipfilter/xclipfilter/model/preprocess"
)

// Classifier is what the engine needs from the model; *model.Classifier is one.
type Classifier interface {
	NumFrames() int
	EncodeLabels(labels []string) (*model.Tensor, error)
	Pixels(frames []preprocess.Frame) ([]float32, error)
	Classify(pixels []float32, labels *model.Tensor) ([]float32, error)
}

// ClockTimeNone marks a time a frame or window does not have. It is GST_CLOCK_TIME_NONE (and
// gst.ClockTimeNone): one convention for unknown times in Go, from the element's buffers through the
// engine to the Result an application receives. GStreamer structures carry the same value; JSON
// (print=json, xclipmetapublish, xclip classify) writes null.
const ClockTimeNone = ^uint64(0)

// Frame is one sampled picture and its times (nanoseconds; ClockTimeNone when unknown). The engine
// keeps the Frame until the windows that use it are done: the caller must not reuse its pixels.
type Frame struct {
	preprocess.Frame
	PTS, Duration, RunningTime, StreamTime uint64
}

// Result is one classified window: the one result type, which the engine delivers and the xclipfilter
// element posts (message), pushes (event) and gives to a Go callback (xclipfilter.Result is this type).
type Result struct {
	Window   uint64    // windows cut since the start, counting from 1 (skipped ones included)
	Labels   []string  // every label, as given, in order
	Logits   []float64 // the window's logits_per_video row, in label order
	Scores   []float64 // softmax of Logits
	TopLabel string
	TopScore float64
	// TopLabels and TopScores are the best labels and their scores, best first: set by SetTop (the
	// element's top-k and threshold); the engine leaves them empty.
	TopLabels []string
	TopScores []float64
	// WindowStart and WindowEnd are the PTS of the first and last frame of the window; RunningTime and
	// StreamTime are the last frame's, StartRunningTime and StartStreamTime the first frame's.
	// Nanoseconds; ClockTimeNone when unknown.
	WindowStart, WindowEnd, RunningTime, StreamTime uint64
	StartRunningTime, StartStreamTime               uint64
	// InferenceTime is the time from the window reaching inference to its result, in milliseconds:
	// preprocessing, the wait for a Scheduler's pass, if any, and the pass.
	InferenceTime float64
	// Batch is the number of windows in the forward pass that classified this one (1 without a
	// Scheduler; 0 when the window failed before reaching the model).
	Batch          int
	WindowsSkipped uint64 // windows skipped since the start because inference was busy
	Final          bool   // the window finished at end of stream (Drain)
	Source         string // the element's source property, else its name; "" from the engine
	// Err is set when inference failed; the other fields but the times are then empty. The element
	// never delivers such a result (it posts a warning instead).
	Err error
}

// SetTop sets TopLabels and TopScores to the (at most) k best labels whose score is at least
// threshold. Every comparison is written so that NaN fails it: a NaN score sorts last and never
// becomes a top label, a NaN threshold admits nothing.
func (r *Result) SetTop(k int, threshold float64) {
	order := make([]int, len(r.Scores))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return before(r.Scores[order[a]], r.Scores[order[b]]) })
	r.TopLabels, r.TopScores = []string{}, []float64{}
	for _, i := range order {
		if len(r.TopLabels) >= k || !(r.Scores[i] >= threshold) || i >= len(r.Labels) {
			break
		}
		r.TopLabels = append(r.TopLabels, r.Labels[i])
		r.TopScores = append(r.TopScores, r.Scores[i])
	}
}

// before orders scores best first, NaN last.
func before(a, b float64) bool { return a > b || (math.IsNaN(b) && !math.IsNaN(a)) }

// Config sets the windowing.
type Config struct {
	// FrameInterval samples every Nth frame into the window (1: every frame).
	FrameInterval int
	// WindowStride is the number of sampled frames between two windows (NumFrames: no overlap).
	WindowStride int
	// Blocking makes Push wait for the inference goroutine instead of skipping a window (offline use).
	Blocking bool
	// Scheduler, when set, classifies the windows (Classify is then not called): engines that share
	// one batch windows of different streams into one forward pass. The engine's own Classifier still
	// encodes its labels and preprocesses its frames. Nil: the engine calls Classify itself.
	Scheduler *Scheduler
}

// Engine is safe for use from several goroutines, but Push, Reset and Drain are meant for one
// streaming thread.
type Engine struct {
	c        Classifier
	cfg      Config
	onResult func(Result)
	t        int // window length

	labels    atomic.Pointer[labelSet] // nil until the first label set is encoded
	labelMu   sync.Mutex               // orders label stores: a set requested later wins
	labelReq  uint64                   // label sets requested (labelMu)
	stored    uint64                   // request number of the set in labels (labelMu)
	ready     chan struct{}            // closed when the first label set is stored, or its encoding failed
	readyOnce sync.Once
	stop      chan struct{}  // closed by Close: encodings stop between chunks, waits for labels end
	encoding  sync.WaitGroup // label encoding goroutines

	mu       sync.Mutex // guards the window state below
	frames   []Frame    // the last t sampled frames, oldest first
	seen     uint64     // frames offered since the last reset
	fresh    int        // sampled frames since the last window was cut (or since reset)
	started  bool       // a window has been cut since the last reset
	sampled  uint64     // frames pushed since the last reset
	covered  uint64     // value of sampled when the last window handed to inference was cut
	epoch    uint64     // incremented by Reset: results of older epochs are dropped
	windows  uint64
	skipped  atomic.Uint64
	busy     atomic.Bool
	jobs     chan job
	done     sync.WaitGroup // the inference goroutine
	inflight sync.WaitGroup // windows handed over and not yet delivered
	closed   bool
}

type labelSet struct {
	names []string
	feats *model.Tensor
}

// ErrClosed is what a label encoding interrupted by Close returns.
var ErrClosed = errors.New("engine closed")

// labelChunk is how many labels are encoded at once: Close waits for one chunk at most, and the text
// encoder's activations stay bounded whatever the number of labels.
const labelChunk = 32

// NonFiniteError is a window whose logits or scores are not all finite numbers (a checkpoint with
// NaN weights, or a logit_scale whose exponential overflows): such a result means nothing.
type NonFiniteError struct {
	What  string  // "logit" or "score"
	Label string  // the first label concerned
	Index int     // its position, from 1
	Value float32 // NaN or ±Inf
}

func (e *NonFiniteError) Error() string {
	return fmt.Sprintf("non-finite %s %v for label %d %.80q: the model produced no usable result", e.What, e.Value, e.Index, e.Label)
}

type job struct {
	frames []Frame
	labels *labelSet
	window uint64
	epoch  uint64
	final  bool
}

// New starts an engine for classifier c with initial labels, encoded before New returns so that bad
// labels are an error here. onResult receives every result on the inference goroutine (or on the
// goroutine calling Drain for the last one).
func New(c Classifier, cfg Config, labels []string, onResult func(Result)) (*Engine, error) {
	return NewLabelSet(c, cfg, plainSet(labels), onResult)
}

// NewLabelSet is New for a label set whose labels may have several prompts (see labelset.go).
func NewLabelSet(c Classifier, cfg Config, set model.LabelSet, onResult func(Result)) (*Engine, error) {
	done := make(chan error, 1)
	e, err := StartLabelSet(c, cfg, set, onResult, func(err error) { done <- err })
	if err != nil {
		return nil, err
	}
	if err := <-done; err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// Start is New without waiting for the labels: they are encoded on a goroutine, and ready (if not
// nil) receives the outcome there. Until they are ready, a window that completes is skipped and
// counted, or, when Blocking, waits for them; Drain waits for them too. When their encoding fails,
// windows are dropped until SetLabels succeeds.
func Start(c Classifier, cfg Config, labels []string, onResult func(Result), ready func(error)) (*Engine, error) {
	return StartLabelSet(c, cfg, plainSet(labels), onResult, ready)
}

// StartLabelSet is Start for a label set whose labels may have several prompts (see labelset.go).
func StartLabelSet(c Classifier, cfg Config, set model.LabelSet, onResult func(Result), ready func(error)) (*Engine, error) {
	if cfg.FrameInterval < 1 {
		return nil, fmt.Errorf("frame interval must be at least 1, got %d", cfg.FrameInterval)
	}
	if cfg.WindowStride < 1 {
		return nil, fmt.Errorf("window stride must be at least 1, got %d", cfg.WindowStride)
	}
	if err := checkSet(set); err != nil {
		return nil, err
	}
	e := &Engine{c: c, cfg: cfg, onResult: onResult, t: c.NumFrames(), jobs: make(chan job, 1),
		ready: make(chan struct{}), stop: make(chan struct{})}
	e.done.Add(1)
	go e.work()
	e.SetLabelSet(set, func(err error) {
		e.readyOnce.Do(func() { close(e.ready) })
		if ready != nil {
			ready(err)
		}
	})
	return e, nil
}

// labelsForWindow returns the labels for a window that just completed: at once when they are ready;
// otherwise nil, or, when wait is set, after waiting for the first set (nil if its encoding failed or
// the engine closed).
func (e *Engine) labelsForWindow(wait bool) *labelSet {
	if l := e.labels.Load(); l != nil || !wait {
		return l
	}
	select {
	case <-e.ready:
	case <-e.stop:
	}
	return e.labels.Load()
}

// Labels returns the labels in use (none before the first set is encoded).
func (e *Engine) Labels() []string {
	if l := e.labels.Load(); l != nil {
		return append([]string(nil), l.names...)
	}
	return nil
}

// WantFrame counts one incoming frame and reports whether it is sampled (to be converted and Pushed).
func (e *Engine) WantFrame() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := e.seen
	e.seen++
	return n%uint64(e.cfg.FrameInterval) == 0
}

// Push adds a sampled frame. It returns true when the frame completed a window (handed to inference
// or skipped). It never waits for inference unless the engine is Blocking.
func (e *Engine) Push(f Frame) bool {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return false
	}
	if len(e.frames) == e.t {
		copy(e.frames, e.frames[1:])
		e.frames = e.frames[:e.t-1]
	}
	e.frames = append(e.frames, f)
	e.fresh++
	e.sampled++
	if len(e.frames) < e.t || (e.started && e.fresh < e.cfg.WindowStride) {
		e.mu.Unlock()
		return false
	}
	e.started = true
	e.fresh = 0
	e.windows++
	j := job{frames: append([]Frame(nil), e.frames...), window: e.windows, epoch: e.epoch}
	sampled := e.sampled
	e.mu.Unlock()

	if j.labels = e.labelsForWindow(e.cfg.Blocking); j.labels == nil {
		if !e.cfg.Blocking {
			e.skipped.Add(1) // the labels are still being encoded
		}
		return true
	}
	if e.cfg.Blocking {
		for !e.busy.CompareAndSwap(false, true) {
			e.waitIdle()
		}
	} else if !e.busy.CompareAndSwap(false, true) {
		e.skipped.Add(1)
		return true
	}
	e.mu.Lock()
	e.covered = sampled
	e.mu.Unlock()
	e.inflight.Add(1)
	e.jobs <- j
	return true
}

// waitIdle waits until the window in flight has been delivered.
func (e *Engine) waitIdle() { e.inflight.Wait() }

// Reset forgets the window being filled (flush, discontinuity, gap, caps change). A window already in
// inference finishes, but its result is dropped: it belongs to the stream before the reset.
func (e *Engine) Reset() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.frames = e.frames[:0]
	e.seen, e.fresh, e.started, e.sampled, e.covered = 0, 0, false, 0, 0
	e.epoch++
}

// Drain is for the end of the stream: it waits for the window in inference, then classifies the last
// window if frames arrived since the last window handed to inference was cut (a partial window, or one
// that was skipped; with fewer than NumFrames frames, they are sampled uniformly to fill it), and
// delivers that result (Final set) before returning.
func (e *Engine) Drain() {
	e.waitIdle()
	labels := e.labelsForWindow(true)
	e.mu.Lock()
	if e.closed || labels == nil || len(e.frames) == 0 || e.sampled == e.covered {
		e.mu.Unlock()
		return
	}
	frames := make([]Frame, e.t)
	for i, k := range model.SampleUniform(len(e.frames), e.t) {
		frames[i] = e.frames[k]
	}
	e.windows++
	j := job{frames: frames, labels: labels, window: e.windows, epoch: e.epoch, final: true}
	e.fresh, e.started, e.covered = 0, true, e.sampled
	e.mu.Unlock()
	e.deliver(e.run(j), j)
}

// Close stops the inference goroutine after the window in flight and the label encodings after their
// current chunk, and waits for both: no callback (onResult, SetLabels' done) runs after it returns.
// Results still arriving are dropped. Close must not be called from those callbacks.
func (e *Engine) Close() {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return
	}
	e.closed = true
	e.epoch++
	e.mu.Unlock()
	close(e.stop)
	close(e.jobs)
	e.done.Wait()
	e.encoding.Wait()
}

// Skipped is the number of windows skipped since New because inference was busy.
func (e *Engine) Skipped() uint64 { return e.skipped.Load() }

func (e *Engine) work() {
	defer e.done.Done()
	for j := range e.jobs {
		r := e.run(j)
		e.busy.Store(false)
		e.deliver(r, j)
		e.inflight.Done()
	}
}

// deliver hands a result to onResult unless a Reset or Close made it stale.
func (e *Engine) deliver(r Result, j job) {
	e.mu.Lock()
	stale := j.epoch != e.epoch
	e.mu.Unlock()
	if !stale && e.onResult != nil {
		e.onResult(r)
	}
}

// run classifies one window; a panic in the model becomes an error result.
func (e *Engine) run(j job) (r Result) {
	first, last := j.frames[0], j.frames[len(j.frames)-1]
	r = Result{
		Window: j.window, WindowStart: first.PTS, WindowEnd: last.PTS, RunningTime: last.RunningTime,
		StreamTime: last.StreamTime, StartRunningTime: first.RunningTime, StartStreamTime: first.StreamTime,
		WindowsSkipped: e.skipped.Load(), Final: j.final,
	}
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			r.Err = fmt.Errorf("internal error in inference: %v", p)
		}
		r.InferenceTime = float64(time.Since(start).Nanoseconds()) / 1e6
	}()
	pics := make([]preprocess.Frame, len(j.frames))
	for i, f := range j.frames {
		pics[i] = f.Frame
	}
	pixels, err := e.c.Pixels(pics)
	if err != nil {
		r.Err = err
		return r
	}
	var logits []float32
	if s := e.cfg.Scheduler; s != nil {
		logits, r.Batch, err = s.Classify(pixels, j.labels.feats)
	} else if logits, err = e.c.Classify(pixels, j.labels.feats); err == nil {
		r.Batch = 1
	}
	if err != nil {
		r.Err = err
		return r
	}
	scores := model.Softmax(logits)
	if err := checkFinite(j.labels.names, logits, scores); err != nil {
		r.Err = err
		return r
	}
	r.Labels, r.Logits, r.Scores = j.labels.names, widen(logits), widen(scores)
	best := 0
	for i, s := range r.Scores {
		if s > r.Scores[best] {
			best = i
		}
	}
	r.TopLabel, r.TopScore = r.Labels[best], r.Scores[best]
	return r
}

// widen converts the model's float32 outputs to the Result's float64.
func widen(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// checkFinite returns a NonFiniteError for the first logit, then score, that is NaN or infinite.
func checkFinite(labels []string, logits, scores []float32) error {
	if len(logits) != len(labels) || len(scores) != len(labels) {
		return fmt.Errorf("%d logits for %d labels", len(logits), len(labels))
	}
	for _, c := range []struct {
		what string
		vs   []float32
	}{{"logit", logits}, {"score", scores}} {
		for i, v := range c.vs {
			if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
				return &NonFiniteError{What: c.what, Label: labels[i], Index: i + 1, Value: v}
			}
		}
	}
	return nil
}
