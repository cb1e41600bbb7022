package engine

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestStartBeforeLabels: Start returns before the labels are encoded; windows completed meanwhile are
// skipped and counted, and the first window after they are ready is classified.
func TestStartBeforeLabels(t *testing.T) {
	gate := make(chan struct{})
	var c collector
	ready := make(chan error, 1)
	e, err := Start(&fakeClassifier{t: 2, encGate: gate}, Config{FrameInterval: 1, WindowStride: 2}, []string{"a", "b"}, c.add,
		func(err error) { ready <- err })
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	feed(e, 1, 4) // two windows, no labels yet
	if e.Skipped() != 2 || len(e.Labels()) != 0 {
		t.Fatalf("skipped %d, labels %v before the labels were ready", e.Skipped(), e.Labels())
	}
	close(gate)
	if err := <-ready; err != nil {
		t.Fatal(err)
	}
	feed(e, 5, 6)
	e.Drain()
	if got := fmt.Sprint(windowFrames(c.get())); got != "[[5 6]]" {
		t.Errorf("windows %s", got)
	}
}

// TestBlockingWaitsForLabels: a Blocking engine (files) holds the window until the labels are ready,
// so that no window is lost.
func TestBlockingWaitsForLabels(t *testing.T) {
	gate := make(chan struct{})
	var c collector
	e, err := Start(&fakeClassifier{t: 2, encGate: gate}, Config{FrameInterval: 1, WindowStride: 2, Blocking: true}, []string{"a", "b"}, c.add, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	pushed := make(chan struct{})
	go func() { feed(e, 1, 4); close(pushed) }()
	select {
	case <-pushed:
		t.Fatal("a blocking engine classified a window without labels")
	case <-time.After(100 * time.Millisecond):
	}
	close(gate)
	<-pushed
	e.Drain()
	if got := fmt.Sprint(windowFrames(c.get())); got != "[[1 2] [3 4]]" || e.Skipped() != 0 {
		t.Errorf("windows %s, %d skipped", got, e.Skipped())
	}
}

// TestCloseInterruptsLabels: Close during the encoding of many labels returns after the current chunk,
// reports ErrClosed and releases a blocked Push.
func TestCloseInterruptsLabels(t *testing.T) {
	gate := make(chan struct{}, 1)
	gate <- struct{}{} // the first chunk only
	labels := make([]string, 10*labelChunk)
	for i := range labels {
		labels[i] = fmt.Sprint(i)
	}
	ready := make(chan error, 1)
	fc := &fakeClassifier{t: 1, encGate: gate}
	e, err := Start(fc, Config{FrameInterval: 1, WindowStride: 1, Blocking: true}, labels, nil, func(err error) { ready <- err })
	if err != nil {
		t.Fatal(err)
	}
	pushed := make(chan struct{})
	go func() { feed(e, 1, 1); close(pushed) }()
	time.Sleep(50 * time.Millisecond)
	closed := make(chan struct{})
	go func() { e.Close(); close(closed) }()
	<-e.stop           // Close has asked the encoding to stop (on a loaded machine the goroutine may start late)
	gate <- struct{}{} // the chunk in progress ends
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close waited for every chunk")
	}
	<-pushed
	if err := <-ready; !errors.Is(err, ErrClosed) {
		t.Errorf("ready got %v, want ErrClosed", err)
	}
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if len(fc.encoded) > 2 {
		t.Errorf("%d chunks encoded after Close", len(fc.encoded))
	}
}

// TestLaterLabelsWin: a label set requested later is not replaced by an earlier one that finishes
// after it (the initial set still encoding while the application changes labels).
func TestLaterLabelsWin(t *testing.T) {
	gate := make(chan struct{})
	fc := &fakeClassifier{t: 1, encGate: gate}
	ready := make(chan error, 1)
	e, err := Start(fc, Config{FrameInterval: 1, WindowStride: 1}, []string{"first"}, nil, func(err error) { ready <- err })
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	done := make(chan error, 1)
	e.SetLabels([]string{"second"}, func(err error) { done <- err })
	gate <- struct{}{} // one of the two encodings ends
	gate <- struct{}{} // then the other
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := <-ready; err != nil {
		t.Fatal(err)
	}
	if got := e.Labels(); !slices.Equal(got, []string{"second"}) {
		t.Errorf("labels %v, want the later set", got)
	}
}

// TestNonFiniteLogits: a NaN or infinite logit (and the NaN scores an infinite one makes) is an
// error result naming the label, never a result with numbers.
func TestNonFiniteLogits(t *testing.T) {
	for _, c := range []struct {
		name string
		bad  float32
		want string
	}{
		{"nan", float32(math.NaN()), "non-finite logit NaN for label 2"},
		{"inf", float32(math.Inf(1)), "non-finite logit +Inf for label 2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var col collector
			fc := &fakeClassifier{t: 1, mangle: func(l []float32) { l[1] = c.bad }}
			e, err := New(fc, Config{FrameInterval: 1, WindowStride: 1, Blocking: true}, []string{"a", "b", "c"}, col.add)
			if err != nil {
				t.Fatal(err)
			}
			feed(e, 1, 2)
			e.Drain()
			e.Close()
			rs := col.get()
			if len(rs) != 2 {
				t.Fatalf("%d results", len(rs))
			}
			for _, r := range rs {
				var nf *NonFiniteError
				if !errors.As(r.Err, &nf) || !strings.Contains(r.Err.Error(), c.want) || r.Scores != nil || r.TopLabel != "" {
					t.Errorf("window %d: err %v, scores %v, top %q", r.Window, r.Err, r.Scores, r.TopLabel)
				}
			}
		})
	}
	// An infinite logit among finite ones: the softmax's NaN scores are caught even if logits were not.
	if err := checkFinite([]string{"a", "b"}, []float32{1, 2}, []float32{float32(math.NaN()), 1}); err == nil ||
		!strings.Contains(err.Error(), "non-finite score NaN for label 1") {
		t.Errorf("checkFinite: %v", err)
	}
}
