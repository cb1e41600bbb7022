// Package watch runs several video sources — RTSP cameras, HTTP streams, V4L2 devices, files — through
// xclipfilter in one process, each in a pipeline of its own, and keeps them running: a source that
// drops (server gone, network cut, end of a live stream, no frames for the stall timeout) is torn down
// and rebuilt with backoff while the others go on. Results, label events and a per-source status are
// published through one xclipmetapublish element. It is the engine of `xclip watch`.
//
// The elements are registered in the process (xclipfilter.RegisterStatic,
// xclipmetapublish.RegisterStatic): do not load libgstxclip.so into the same process.
package watch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	"github.com/go-gst/go-gst/gst"

	"github.com/xclipfilter/xclipfilter/elements/xclipfilter"
	"github.com/xclipfilter/xclipfilter/elements/xclipmetapublish"
)

// Config is what every source's xclipfilter and the supervision use.
type Config struct {
	Model, Labels, LabelsFile, Template string
	FrameInterval                       uint

	StallTimeout   time.Duration // no frames for that long restarts a source; 0 off
	StatusInterval time.Duration // status of every source printed and published this often; 0 only on changes
	BackoffMin     time.Duration // first wait before reconnecting (default 1 s)
	BackoffMax     time.Duration // longest wait (default 30 s)
	Latency        time.Duration // rtspsrc's jitter buffer (default 200 ms)
	Loop           bool          // restart file sources at their end instead of ending them

	Publish Publish

	// Log receives the status lines and warnings (standard error in xclip watch).
	Log io.Writer
	// OnStatus, when set, sees every status printed (on changes and every StatusInterval); tests use it.
	OnStatus func(Status)
}

func (c *Config) defaults() {
	if c.BackoffMin <= 0 {
		c.BackoffMin = time.Second
	}
	if c.BackoffMax < c.BackoffMin {
		c.BackoffMax = max(30*time.Second, c.BackoffMin)
	}
	if c.Latency <= 0 {
		c.Latency = 200 * time.Millisecond
	}
	if c.FrameInterval == 0 {
		c.FrameInterval = 4
	}
	if c.Template == "" {
		c.Template = "{}"
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
}

// ErrFailed wraps the reason a source cannot run at all (a bad model or labels).
var ErrFailed = errors.New("a source cannot run")

// watcher holds the statuses of all sources.
type watcher struct {
	cfg Config
	pub *publisher

	mu     sync.Mutex // guards status and the log
	status map[string]*Status
}

// Init initialises GStreamer and registers the elements in the process; Run calls it.
func Init() error {
	gst.Init(nil)
	if err := xclipfilter.RegisterStatic(); err != nil {
		return err
	}
	return xclipmetapublish.RegisterStatic()
}

// Run watches the sources until ctx is done (nil error), or every source has ended (files without
// Loop; nil), or a source cannot run at all (an error wrapping ErrFailed that names the source and
// the reason).
func Run(ctx context.Context, sources []Source, cfg Config) error {
	cfg.defaults()
	if len(sources) == 0 {
		return errors.New("no source")
	}
	if cfg.Model == "" {
		return errors.New("no model: set --model to an X-CLIP checkpoint folder or hub id")
	}
	if (cfg.Labels == "") == (cfg.LabelsFile == "") {
		return errors.New("set one of --labels and --labels-file")
	}
	if err := Init(); err != nil {
		return err
	}
	pub, err := newPublisher(cfg.Publish)
	if err != nil {
		return err
	}
	defer pub.close()
	w := &watcher{cfg: cfg, pub: pub, status: map[string]*Status{}}
	for _, s := range sources {
		w.status[s.Name] = &Status{Source: s.Name, State: StateStarting, LastBufferAge: -1, InferenceP50: -1}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var failed error
	var failOnce sync.Once
	var wg sync.WaitGroup
	for _, s := range sources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.supervise(ctx, s); err != nil {
				failOnce.Do(func() { failed = err; cancel() })
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	var tick <-chan time.Time
	if cfg.StatusInterval > 0 {
		t := time.NewTicker(cfg.StatusInterval)
		defer t.Stop()
		tick = t.C
	}
	poll := time.NewTicker(500 * time.Millisecond)
	defer poll.Stop()
	for {
		select {
		case <-done:
			w.report()
			return failed
		case <-tick:
			w.report()
		case <-poll.C:
			for _, m := range pub.poll() {
				w.logf("%s", m)
			}
		}
	}
}

// logf writes one line to the log.
func (w *watcher) logf(format string, a ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	fmt.Fprintf(w.cfg.Log, format+"\n", a...)
}

// report prints and publishes every source's status.
func (w *watcher) report() {
	w.mu.Lock()
	names := make([]string, 0, len(w.status))
	for n := range w.status {
		names = append(names, n)
	}
	sort.Strings(names)
	snap := make([]Status, len(names))
	for i, n := range names {
		snap[i] = *w.status[n]
	}
	w.mu.Unlock()
	for i := range snap {
		w.emit(&snap[i])
	}
}

// emit prints and publishes one status.
func (w *watcher) emit(s *Status) {
	now := time.Now()
	w.logf("%s", s.Line(now))
	w.pub.status(s, now)
	if w.cfg.OnStatus != nil {
		w.cfg.OnStatus(*s)
	}
}

// update changes a source's status under the lock; a change of state (or reason) is printed and
// published at once.
func (w *watcher) update(name string, fn func(s *Status)) {
	w.mu.Lock()
	s := w.status[name]
	before := *s
	fn(s)
	changed := s.State != before.State || s.Reason != before.Reason
	snap := *s
	w.mu.Unlock()
	if changed {
		w.emit(&snap)
	}
}
