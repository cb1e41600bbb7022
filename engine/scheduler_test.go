package engine

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/xclipfilter/xclipfilter/model"
)

// fakeBatch is the model behind a Scheduler in these tests: the windows of a pass are the frame
// numbers of fakeClassifier (t values each), and it records the size of every pass.
type fakeBatch struct {
	t      int
	gate   chan struct{} // when set, every pass waits for a token
	delay  time.Duration
	failOn int // frame number that makes a pass fail
	mu     sync.Mutex
	sizes  []int
	closed bool
}

func (f *fakeBatch) ClassifyBatch(pixels []float32, labels []*model.Tensor) ([][]float32, error) {
	f.mu.Lock()
	f.sizes = append(f.sizes, len(labels))
	f.mu.Unlock()
	if f.gate != nil {
		<-f.gate
	}
	time.Sleep(f.delay)
	if len(pixels) != len(labels)*f.t {
		return nil, fmt.Errorf("%d pixel values for %d windows", len(pixels), len(labels))
	}
	out := make([][]float32, len(labels))
	for i := range labels {
		w := pixels[i*f.t : (i+1)*f.t]
		for _, p := range w {
			if f.failOn != 0 && int(p) == f.failOn {
				return nil, fmt.Errorf("frame %d is bad", f.failOn)
			}
		}
		out[i] = make([]float32, labels[i].Shape[0])
		copy(out[i], w)
	}
	return out, nil
}

func (f *fakeBatch) Close() { f.mu.Lock(); f.closed = true; f.mu.Unlock() }

func (f *fakeBatch) passes() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int(nil), f.sizes...)
}

// streams starts n engines on one scheduler; stream k's frames are numbered from k*50+1 so that
// every result says which stream it came from.
func streams(t *testing.T, n int, s *Scheduler, cfg Config) ([]*Engine, []*collector) {
	t.Helper()
	cfg.Scheduler = s
	engines, cols := make([]*Engine, n), make([]*collector, n)
	for k := range n {
		cols[k] = &collector{}
		e, err := New(&fakeClassifier{t: 2}, cfg, []string{"a", "b"}, cols[k].add)
		if err != nil {
			t.Fatal(err)
		}
		engines[k] = e
		t.Cleanup(e.Close)
	}
	return engines, cols
}

// waitFor polls cond for up to 10 s (a loaded machine schedules goroutines late).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func (s *Scheduler) waiting() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}

// TestSchedulerBatchesStreams: windows that arrive while a pass runs go through the model together in
// the next pass, and each result goes back to its own stream.
func TestSchedulerBatchesStreams(t *testing.T) {
	fb := &fakeBatch{t: 2, gate: make(chan struct{})}
	s, err := NewScheduler(fb, BatchConfig{MaxBatch: 8})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	engines, cols := streams(t, 4, s, Config{FrameInterval: 1, WindowStride: 2})
	feed(engines[0], 1, 2) // a pass of one window starts and waits at the gate
	waitFor(t, "the first pass", func() bool { return len(fb.passes()) == 1 })
	for k := 1; k < 4; k++ {
		feed(engines[k], k*50+1, k*50+2)
	}
	waitFor(t, "three windows waiting", func() bool { return s.waiting() == 3 })
	close(fb.gate)
	for _, e := range engines {
		e.Drain()
	}
	if got := fb.passes(); !slices.Equal(got, []int{1, 3}) {
		t.Errorf("passes of %v windows, want [1 3]", got)
	}
	for k, c := range cols {
		rs := c.get()
		want := fmt.Sprint([][]int{{k*50 + 1, k*50 + 2}})
		if got := fmt.Sprint(windowFrames(rs)); got != want {
			t.Errorf("stream %d: windows %s, want %s", k, got, want)
		}
		if want := []int{1, 3, 3, 3}[k]; len(rs) == 1 && rs[0].Batch != want {
			t.Errorf("stream %d: batch %d", k, rs[0].Batch)
		}
	}
	if st := s.Stats(); st.Batches != 2 || st.Windows != 4 || st.LargestBatch != 3 {
		t.Errorf("stats %+v", st)
	}
}

// TestSchedulerMaxBatch: no pass holds more than MaxBatch windows; the oldest go first.
func TestSchedulerMaxBatch(t *testing.T) {
	fb := &fakeBatch{t: 2, gate: make(chan struct{})}
	s, err := NewScheduler(fb, BatchConfig{MaxBatch: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	engines, cols := streams(t, 5, s, Config{FrameInterval: 1, WindowStride: 2})
	feed(engines[0], 1, 2)
	waitFor(t, "the first pass", func() bool { return len(fb.passes()) == 1 })
	for k := 1; k < 5; k++ {
		feed(engines[k], k*50+1, k*50+2)
		waitFor(t, "the window to wait", func() bool { return s.waiting() == k })
	}
	close(fb.gate)
	for _, e := range engines {
		e.Drain()
	}
	if got := fb.passes(); !slices.Equal(got, []int{1, 2, 2}) {
		t.Errorf("passes of %v windows, want [1 2 2]", got)
	}
	for k, c := range cols {
		if rs := c.get(); len(rs) != 1 || rs[0].Batch != []int{1, 2, 2, 2, 2}[k] {
			t.Errorf("stream %d: %+v", k, rs)
		}
	}
}

// TestSchedulerSkipsNotQueues: while the model is busy, each live stream keeps one window waiting and
// skips (and counts) the others: what waits is bounded by the number of streams, whatever the load.
func TestSchedulerSkipsNotQueues(t *testing.T) {
	fb := &fakeBatch{t: 2, gate: make(chan struct{})}
	s, err := NewScheduler(fb, BatchConfig{MaxBatch: 8})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	engines, cols := streams(t, 3, s, Config{FrameInterval: 1, WindowStride: 2})
	feed(engines[0], 1, 2)
	waitFor(t, "the first pass", func() bool { return len(fb.passes()) == 1 })
	start := time.Now()
	for k, e := range engines {
		feed(e, k*50+3, k*50+40) // 19 windows each
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("Push waited %v for a busy model", d)
		}
	}
	waitFor(t, "two windows waiting", func() bool { return s.waiting() == 2 }) // streams 1 and 2
	if n := s.waiting(); n != 2 {
		t.Fatalf("%d windows waiting, want 2 (one per stream not in the pass)", n)
	}
	for k, e := range engines {
		if want := []uint64{19, 18, 18}[k]; e.Skipped() != want {
			t.Errorf("stream %d skipped %d, want %d", k, e.Skipped(), want)
		}
	}
	close(fb.gate)
	for _, e := range engines {
		e.Drain()
	}
	for k, c := range cols {
		rs := c.get()
		for i := 1; i < len(rs); i++ {
			if rs[i].Window <= rs[i-1].Window {
				t.Errorf("stream %d: results out of order", k)
			}
		}
		if last := rs[len(rs)-1]; !last.Final || last.WindowsSkipped != engines[k].Skipped() {
			t.Errorf("stream %d: last result %+v", k, last)
		}
	}
}

// TestSchedulerBlockingStreams: blocking engines sharing a scheduler get every window, in order.
func TestSchedulerBlockingStreams(t *testing.T) {
	fb := &fakeBatch{t: 2, delay: 2 * time.Millisecond}
	s, err := NewScheduler(fb, BatchConfig{MaxBatch: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	engines, cols := streams(t, 4, s, Config{FrameInterval: 1, WindowStride: 1, Blocking: true})
	var wg sync.WaitGroup
	for k, e := range engines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			feed(e, k*50+1, k*50+30)
			e.Drain()
		}()
	}
	wg.Wait()
	for k, c := range cols {
		var want [][]int
		for n := k*50 + 1; n < k*50+30; n++ {
			want = append(want, []int{n, n + 1})
		}
		if got := windowFrames(c.get()); fmt.Sprint(got) != fmt.Sprint(want) || engines[k].Skipped() != 0 {
			t.Errorf("stream %d: windows %v, skipped %d", k, got, engines[k].Skipped())
		}
	}
	if st := s.Stats(); st.Windows != 4*29 {
		t.Errorf("stats %+v", st)
	}
}

// TestSchedulerTimeout: with a timeout, a window waits for company up to that long, and no longer;
// without one it never waits.
func TestSchedulerTimeout(t *testing.T) {
	// Long enough that the second stream's window, fed right after the first's, joins its pass even on a
	// loaded 2-core machine (CI shares it with builds).
	const timeout = 1500 * time.Millisecond
	fb := &fakeBatch{t: 2}
	s, err := NewScheduler(fb, BatchConfig{MaxBatch: 2, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	engines, cols := streams(t, 2, s, Config{FrameInterval: 1, WindowStride: 2})

	// Alone: the pass starts after the timeout, with one window.
	feed(engines[0], 1, 2)
	waitFor(t, "a result", func() bool { return len(cols[0].get()) == 1 })
	if r := cols[0].get()[0]; r.InferenceTime < float64(timeout)/1e6 || r.Batch != 1 {
		t.Errorf("a lone window: %v, batch %d; want at least %v", r.InferenceTime, r.Batch, timeout)
	}
	// Two arriving within the timeout: one pass of two, without waiting for the timeout.
	feed(engines[0], 3, 4)
	feed(engines[1], 51, 52)
	waitFor(t, "two results", func() bool { return len(cols[0].get()) == 2 && len(cols[1].get()) == 1 })
	if got := fb.passes(); !slices.Equal(got, []int{1, 2}) {
		t.Errorf("passes %v, want [1 2]", got)
	}
}

// TestSchedulerIsolatesBadWindow: a window that makes the pass fail is an error for its stream alone.
func TestSchedulerIsolatesBadWindow(t *testing.T) {
	fb := &fakeBatch{t: 2, gate: make(chan struct{}), failOn: 102}
	s, err := NewScheduler(fb, BatchConfig{MaxBatch: 8})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	engines, cols := streams(t, 3, s, Config{FrameInterval: 1, WindowStride: 2})
	feed(engines[0], 1, 2)
	waitFor(t, "the first pass", func() bool { return len(fb.passes()) == 1 })
	feed(engines[1], 51, 52)
	feed(engines[2], 101, 102)
	waitFor(t, "two windows waiting", func() bool { return s.waiting() == 2 })
	close(fb.gate)
	for _, e := range engines {
		e.Drain()
	}
	for k, c := range cols {
		rs := c.get()
		if len(rs) != 1 || (rs[0].Err != nil) != (k == 2) {
			t.Errorf("stream %d: %+v", k, rs)
		}
	}
}

func TestSchedulerBadConfig(t *testing.T) {
	for _, cfg := range []BatchConfig{{MaxBatch: 0}, {MaxBatch: MaxBatchLimit + 1}, {MaxBatch: 1, Timeout: -1}} {
		if _, err := NewScheduler(&fakeBatch{t: 1}, cfg); err == nil {
			t.Errorf("NewScheduler(%+v) succeeded", cfg)
		}
	}
}

// TestRegistry: equal keys share one load and one scheduler; a different instance id loads another
// copy; the last Release stops the scheduler and closes the classifier; a failed load is not kept.
func TestRegistry(t *testing.T) {
	r := NewRegistry[*fakeBatch]()
	var loaded []*fakeBatch
	load := func() (*fakeBatch, error) {
		fb := &fakeBatch{t: 1}
		loaded = append(loaded, fb)
		return fb, nil
	}
	key := Key{Checkpoint: "/m", Device: "cpu", Precision: "fp32"}
	a, err := r.Acquire(key, DefaultBatchConfig(), load)
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.Acquire(key, BatchConfig{MaxBatch: 1}, load)
	if err != nil {
		t.Fatal(err)
	}
	other := key
	other.Instance = "second"
	c, err := r.Acquire(other, DefaultBatchConfig(), load)
	if err != nil {
		t.Fatal(err)
	}
	if r.Loads() != 2 || r.Held() != 2 || a.Classifier != b.Classifier || a.Scheduler != b.Scheduler ||
		c.Classifier == a.Classifier || !a.Created || b.Created || !c.Created {
		t.Fatalf("loads %d, held %d, shared %v %v, created %v %v %v", r.Loads(), r.Held(),
			a.Classifier == b.Classifier, c.Classifier == a.Classifier, a.Created, b.Created, c.Created)
	}
	if got := b.Scheduler.Config(); got != DefaultBatchConfig() {
		t.Errorf("the second holder's scheduler batches %+v, want the first's", got)
	}
	a.Release()
	a.Release() // a second Release of one handle does nothing
	if r.Held() != 2 || loaded[0].closed {
		t.Fatal("released while a holder remains")
	}
	b.Release()
	c.Release()
	if r.Held() != 0 || !loaded[0].closed || !loaded[1].closed {
		t.Errorf("held %d, closed %v %v after the last Release", r.Held(), loaded[0].closed, loaded[1].closed)
	}
	if _, _, err := a.Scheduler.Classify([]float32{1}, model.NewTensor(1, 1)); !errors.Is(err, ErrClosed) {
		t.Errorf("Classify after the last Release: %v", err)
	}

	boom := errors.New("no such checkpoint")
	if _, err := r.Acquire(key, DefaultBatchConfig(), func() (*fakeBatch, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Errorf("failed load: %v", err)
	}
	if _, err := r.Acquire(key, DefaultBatchConfig(), func() (*fakeBatch, error) { panic("bad") }); err == nil {
		t.Error("a panicking load succeeded")
	}
	d, err := r.Acquire(key, DefaultBatchConfig(), load)
	if err != nil || r.Held() != 1 || r.Loads() != 3 {
		t.Fatalf("after failed loads: %v, held %d, loads %d", err, r.Held(), r.Loads())
	}
	d.Release()
}

// TestRegistryConcurrentAcquire: holders asking at once wait for one load.
func TestRegistryConcurrentAcquire(t *testing.T) {
	r := NewRegistry[*fakeBatch]()
	gate := make(chan struct{})
	load := func() (*fakeBatch, error) { <-gate; return &fakeBatch{t: 1}, nil }
	key := Key{Checkpoint: "/m"}
	hs := make([]*Shared[*fakeBatch], 8)
	var wg sync.WaitGroup
	for i := range hs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h, err := r.Acquire(key, DefaultBatchConfig(), load)
			if err != nil {
				t.Error(err)
				return
			}
			hs[i] = h
		}()
	}
	time.Sleep(20 * time.Millisecond)
	close(gate)
	wg.Wait()
	if r.Loads() != 1 {
		t.Errorf("%d loads for one key", r.Loads())
	}
	for _, h := range hs {
		if h != nil {
			h.Release()
		}
	}
	if r.Held() != 0 {
		t.Errorf("held %d", r.Held())
	}
}
