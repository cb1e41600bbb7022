package engine

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/xclipfilter/xclipfilter/model"
	"github.com/xclipfilter/xclipfilter/model/preprocess"
)

// fakeClassifier records which frames each window holds: a frame's single pixel value is its number,
// and the "logits" are those numbers, so a result says exactly which frames it classified.
type fakeClassifier struct {
	t       int
	delay   time.Duration
	gate    chan struct{} // when set, Classify waits for a token
	failOn  int           // frame number that makes Classify fail (0: never)
	panicOn int
	encGate chan struct{}   // when set, each EncodeLabels call waits for a token (or its closing)
	mangle  func([]float32) // when set, rewrites the logits Classify returns
	mu      sync.Mutex
	encoded [][]string
}

func (f *fakeClassifier) NumFrames() int { return f.t }

func (f *fakeClassifier) EncodeLabels(labels []string) (*model.Tensor, error) {
	if len(labels) == 0 {
		return nil, errors.New("no labels")
	}
	if f.encGate != nil {
		<-f.encGate
	}
	f.mu.Lock()
	f.encoded = append(f.encoded, labels)
	f.mu.Unlock()
	return model.NewTensor(len(labels), 1), nil
}

func (f *fakeClassifier) Pixels(frames []preprocess.Frame) ([]float32, error) {
	out := make([]float32, len(frames))
	for i, fr := range frames {
		out[i] = float32(fr.Pix[0])
	}
	return out, nil
}

func (f *fakeClassifier) Classify(pixels []float32, labels *model.Tensor) ([]float32, error) {
	if f.gate != nil {
		<-f.gate
	}
	time.Sleep(f.delay)
	for _, p := range pixels {
		if f.failOn != 0 && int(p) == f.failOn {
			return nil, fmt.Errorf("frame %d is bad", f.failOn)
		}
		if f.panicOn != 0 && int(p) == f.panicOn {
			panic("boom")
		}
	}
	out := make([]float32, labels.Shape[0])
	copy(out, pixels)
	if f.mangle != nil {
		f.mangle(out)
	}
	return out, nil
}

func frame(n int) Frame {
	return Frame{Frame: preprocess.Frame{Pix: []byte{byte(n), 0, 0}, Width: 1, Height: 1, Stride: 3},
		PTS: uint64(n) * 1000, Duration: 1000, RunningTime: uint64(n)*1000 + 5, StreamTime: uint64(n) * 1000}
}

type collector struct {
	mu      sync.Mutex
	results []Result
}

func (c *collector) add(r Result) { c.mu.Lock(); c.results = append(c.results, r); c.mu.Unlock() }
func (c *collector) get() []Result {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Result(nil), c.results...)
}

// windowFrames lists, per result, the frame numbers it classified.
func windowFrames(rs []Result) [][]int {
	var out [][]int
	for _, r := range rs {
		var w []int
		for _, l := range r.Logits {
			w = append(w, int(l))
		}
		out = append(out, w)
	}
	return out
}

// feed offers frames 1..n, pushing those the engine samples.
func feed(e *Engine, from, to int) {
	for n := from; n <= to; n++ {
		if e.WantFrame() {
			e.Push(frame(n))
		}
	}
}

func TestWindowing(t *testing.T) {
	for _, tc := range []struct {
		interval, stride, frames int
		want                     string
		drained                  bool // the last window is Drain's
	}{
		{1, 3, 9, "[[1 2 3] [4 5 6] [7 8 9]]", false},
		{1, 1, 5, "[[1 2 3] [2 3 4] [3 4 5]]", false},
		{1, 2, 8, "[[1 2 3] [3 4 5] [5 6 7] [6 7 8]]", true}, // frame 8 was not classified yet
		{2, 3, 12, "[[1 3 5] [7 9 11]]", false},
		{3, 1, 10, "[[1 4 7] [4 7 10]]", false},
		{1, 5, 2, "[[1 2 2]]", true}, // a stream shorter than a window: Drain fills it uniformly
	} {
		t.Run(fmt.Sprintf("interval%d_stride%d_frames%d", tc.interval, tc.stride, tc.frames), func(t *testing.T) {
			var c collector
			e, err := New(&fakeClassifier{t: 3}, Config{FrameInterval: tc.interval, WindowStride: tc.stride, Blocking: true},
				[]string{"a", "b", "c"}, c.add)
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			feed(e, 1, tc.frames)
			e.Drain()
			rs := c.get()
			if got := fmt.Sprint(windowFrames(rs)); got != tc.want {
				t.Errorf("windows %s, want %s", got, tc.want)
			}
			for i, r := range rs {
				first, last := int(r.Logits[0]), int(r.Logits[2])
				if r.WindowStart != uint64(first)*1000 || r.WindowEnd != uint64(last)*1000 || r.RunningTime != uint64(last)*1000+5 {
					t.Errorf("window %d: start %d end %d running %d", i, r.WindowStart, r.WindowEnd, r.RunningTime)
				}
				if r.Window != uint64(i+1) || r.Err != nil || r.TopLabel != r.Labels[slices.Index(r.Logits, slices.Max(r.Logits))] {
					t.Errorf("window %d: %+v", i, r)
				}
				if r.Final != (tc.drained && i == len(rs)-1) {
					t.Errorf("window %d: Final = %v", i, r.Final)
				}
			}
		})
	}
}

// TestSkipsWhenBusy: a slow classifier never makes Push wait; windows are skipped and counted, and the
// skipped count reaches the next result.
func TestSkipsWhenBusy(t *testing.T) {
	gate := make(chan struct{})
	var c collector
	e, err := New(&fakeClassifier{t: 2, gate: gate}, Config{FrameInterval: 1, WindowStride: 1}, []string{"a", "b"}, c.add)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	start := time.Now()
	feed(e, 1, 10) // windows at frames 2..10: the first is in flight, 8 are skipped
	if d := time.Since(start); d > time.Second {
		t.Fatalf("Push waited %v for a blocked inference", d)
	}
	if e.Skipped() != 8 {
		t.Errorf("skipped %d, want 8", e.Skipped())
	}
	gate <- struct{}{} // release the first window
	close(gate)
	e.Drain() // frame 10's window was skipped: Drain classifies it
	rs := c.get()
	if got := fmt.Sprint(windowFrames(rs)); got != "[[1 2] [9 10]]" {
		t.Errorf("windows %s", got)
	}
	if rs[1].WindowsSkipped != 8 || !rs[1].Final || rs[0].Final || rs[1].Window != 10 {
		t.Errorf("results %+v", rs)
	}
}

func TestResetDropsWindowAndStaleResults(t *testing.T) {
	gate := make(chan struct{})
	var c collector
	e, err := New(&fakeClassifier{t: 2, gate: gate}, Config{FrameInterval: 2, WindowStride: 2}, []string{"a", "b"}, c.add)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	feed(e, 1, 3) // frames 1 and 3 sampled: a window in flight
	e.Reset()     // e.g. a flush: the frame counter restarts too
	close(gate)
	feed(e, 20, 23) // 20 and 22 sampled after the reset
	e.Drain()
	if got := fmt.Sprint(windowFrames(c.get())); got != "[[20 22]]" {
		t.Errorf("windows %s, want only the post-reset window", got)
	}
}

func TestLabelsChangeAtNextWindow(t *testing.T) {
	var c collector
	fc := &fakeClassifier{t: 1}
	e, err := New(fc, Config{FrameInterval: 1, WindowStride: 1, Blocking: true}, []string{"a"}, c.add)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	feed(e, 1, 1)
	done := make(chan error)
	e.SetLabels([]string{"x", "y"}, func(err error) { done <- err })
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	feed(e, 2, 2)
	e.SetLabels(nil, func(err error) { done <- err })
	if err := <-done; err == nil {
		t.Error("empty labels accepted")
	}
	feed(e, 3, 3)
	e.Drain()
	rs := c.get()
	if len(rs) != 3 || !slices.Equal(rs[0].Labels, []string{"a"}) || !slices.Equal(rs[1].Labels, []string{"x", "y"}) ||
		!slices.Equal(rs[2].Labels, []string{"x", "y"}) {
		t.Errorf("labels per window: %v %v %v", rs[0].Labels, rs[1].Labels, rs[2].Labels)
	}
	if !slices.Equal(e.Labels(), []string{"x", "y"}) {
		t.Errorf("Labels() = %v", e.Labels())
	}
}

func TestInferenceErrorsAndPanicsBecomeResults(t *testing.T) {
	var c collector
	e, err := New(&fakeClassifier{t: 1, failOn: 2, panicOn: 3}, Config{FrameInterval: 1, WindowStride: 1, Blocking: true}, []string{"a"}, c.add)
	if err != nil {
		t.Fatal(err)
	}
	feed(e, 1, 4)
	e.Drain()
	e.Close()
	rs := c.get()
	if len(rs) != 4 || rs[0].Err != nil || rs[1].Err == nil || rs[2].Err == nil || rs[3].Err != nil {
		t.Fatalf("results %+v", rs)
	}
	if rs[2].WindowEnd != 3000 {
		t.Errorf("a failed window keeps its times: %+v", rs[2])
	}
}

func TestBadConfig(t *testing.T) {
	fc := &fakeClassifier{t: 2}
	for _, tc := range []struct {
		cfg    Config
		labels []string
	}{
		{Config{FrameInterval: 0, WindowStride: 1}, []string{"a"}},
		{Config{FrameInterval: 1, WindowStride: 0}, []string{"a"}},
		{Config{FrameInterval: 1, WindowStride: 1}, nil},
	} {
		if _, err := New(fc, tc.cfg, tc.labels, nil); err == nil {
			t.Errorf("New(%+v, %v) succeeded", tc.cfg, tc.labels)
		}
	}
}

// TestConcurrentUse runs a non-blocking engine hard from one streaming goroutine while labels change
// from another (go test -race checks the locking).
func TestConcurrentUse(t *testing.T) {
	var c collector
	e, err := New(&fakeClassifier{t: 4, delay: time.Millisecond}, Config{FrameInterval: 1, WindowStride: 1}, []string{"a"}, c.add)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 50 {
			e.SetLabels([]string{fmt.Sprint(i)}, nil)
			time.Sleep(100 * time.Microsecond)
		}
	}()
	for n := range 3000 {
		if e.WantFrame() {
			e.Push(frame(n % 250))
		}
		if n%700 == 0 {
			e.Reset()
		}
	}
	wg.Wait()
	e.Drain()
	e.Close()
	rs := c.get()
	if len(rs) == 0 || e.Skipped() == 0 {
		t.Errorf("%d results, %d skipped", len(rs), e.Skipped())
	}
	for i := 1; i < len(rs); i++ {
		if rs[i].Window <= rs[i-1].Window {
			t.Fatalf("results out of order: %d then %d", rs[i-1].Window, rs[i].Window)
		}
	}
}

// TestSetTop: the k best labels at or above the threshold, best first; NaN scores never count and a
// NaN threshold admits nothing.
func TestSetTop(t *testing.T) {
	nan := math.NaN()
	r := Result{Labels: []string{"a", "b", "c", "d"}, Scores: []float64{0.2, nan, 0.5, 0.3}}
	for _, c := range []struct {
		k         int
		threshold float64
		want      string
	}{{3, 0, "[c d a] [0.5 0.3 0.2]"}, {2, 0, "[c d] [0.5 0.3]"}, {9, 0.25, "[c d] [0.5 0.3]"}, {3, 0.9, "[] []"}, {3, nan, "[] []"}} {
		r.SetTop(c.k, c.threshold)
		if got := fmt.Sprint(r.TopLabels, r.TopScores); got != c.want {
			t.Errorf("k %d threshold %v: %s, want %s", c.k, c.threshold, got, c.want)
		}
	}
}
