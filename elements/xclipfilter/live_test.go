package xclipfilter

import (
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-gst/go-gst/gst"

	"github.com/xclipfilter/xclipfilter/elements/xclipfilter/internal/gsttest"
)

// TestLive: a live 30 fps source with inference slower than the window rate. The sink gets every
// buffer before its render time, windows are skipped and counted, and latency does not grow.
func TestLive(t *testing.T) {
	dir := tinyA(t)
	inferenceDelay.Store(int64(150 * time.Millisecond)) // windows come every 33 ms
	defer inferenceDelay.Store(0)
	n := 240 // 8 s
	if testing.Short() {
		n = 120
	}
	desc := fmt.Sprintf(`videotestsrc is-live=true num-buffers=%d pattern=ball ! video/x-raw,width=160,height=120,framerate=30/1 ! `+
		`videoconvert ! video/x-raw,format=I420 ! xclipfilter name=x model=%s labels="a ball;a dog" frame-interval=1 window-stride=1 attach-meta=true ! `+
		`fakesink name=sink sync=true`, n, dir)
	var mu sync.Mutex
	var latencies []uint64
	r := mustRun(t, desc, runOpts{during: func(t testing.TB, p *gst.Pipeline, r *run) {
		if live, min, _, ok := gsttest.Latency(p.Element); ok && live {
			mu.Lock()
			latencies = append(latencies, min)
			mu.Unlock()
		}
	}})
	bufs := r.buffers()
	if len(bufs) != n {
		t.Fatalf("sink got %d buffers, want %d", len(bufs), n)
	}
	if len(latencies) == 0 {
		t.Fatal("no latency answer")
	}
	latency := latencies[0]
	for _, l := range latencies {
		if l != latency {
			t.Errorf("latency changed from %v to %v", time.Duration(latency), time.Duration(l))
		}
	}
	// The element adds nothing: the same pipeline without it reports the same latency (the source's
	// frame plus the sink's processing deadline).
	if ref := referenceLatency(t, strings.Replace(desc, "xclipfilter name=x", "identity name=x", 1)); latency != ref {
		t.Errorf("pipeline latency %v, without xclipfilter %v: the element must add none", time.Duration(latency), time.Duration(ref))
	}
	// Every buffer reaches the sink before its render time (PTS running time + latency). A blocked
	// streaming thread would make them late by the inference time (150 ms) at every window; a loaded
	// machine may delay a thread now and then, so up to 1% may be late by less than a frame.
	var delays []float64
	late := 0
	deadline := float64(latency) / 1e6
	for i, b := range bufs {
		if b.ArrivalRunning == gsttest.None || b.PTSRunning == gsttest.None {
			t.Fatalf("buffer %d without times", i)
		}
		d := float64(int64(b.ArrivalRunning)-int64(b.PTSRunning)) / 1e6
		delays = append(delays, d)
		if d >= deadline {
			late++
			t.Logf("buffer %d arrived %.1f ms after its PTS, %.1f ms late", i, d, d-deadline)
			if d >= deadline+1000.0/30 {
				t.Errorf("buffer %d arrived %.1f ms after its PTS, more than a frame past the %.1f ms latency", i, d, deadline)
			}
		}
	}
	if late > n/100 {
		t.Errorf("%d of %d buffers late", late, n)
	}
	third := len(delays) / 3
	mean := func(x []float64) float64 {
		var s float64
		for _, v := range x {
			s += v
		}
		return s / float64(len(x))
	}
	head, tail := mean(delays[:third]), mean(delays[len(delays)-third:])
	worst := 0.0
	for _, d := range delays {
		worst = math.Max(worst, d)
	}
	t.Logf("arrival after PTS: first third %.2f ms, last third %.2f ms, worst %.2f ms (latency %.1f ms); %d results",
		head, tail, worst, float64(latency)/1e6, len(r.results))
	if tail-head > 5 {
		t.Errorf("delay grows: %.2f ms in the first third, %.2f ms in the last", head, tail)
	}
	// Windows were skipped and counted.
	if len(r.results) == 0 {
		t.Fatal("no result")
	}
	last := r.results[len(r.results)-1]
	windows := n - 2 // a window at every frame from the third on
	if last.WindowsSkipped == 0 || len(r.results) >= windows/2 {
		t.Errorf("%d results of %d windows, last says %d skipped", len(r.results), windows, last.WindowsSkipped)
	}
	if last.Window+1 < uint64(windows) || last.Window > uint64(windows)+1 {
		t.Errorf("last window #%d, want about %d", last.Window, windows)
	}
	for i := 1; i < len(r.results); i++ {
		if r.results[i].WindowsSkipped < r.results[i-1].WindowsSkipped || r.results[i].Window <= r.results[i-1].Window {
			t.Errorf("results %d and %d: windows %d, %d, skipped %d, %d", i, i+1, r.results[i-1].Window, r.results[i].Window,
				r.results[i-1].WindowsSkipped, r.results[i].WindowsSkipped)
		}
	}
	// Results come about as fast as inference allows.
	if len(r.results) < n/30*1000/150/2 {
		t.Errorf("only %d results in %d frames", len(r.results), n)
	}
}

// referenceLatency plays desc until it answers a latency query.
func referenceLatency(t *testing.T, desc string) uint64 {
	t.Helper()
	desc = desc[:strings.Index(desc, " model=")] + desc[strings.Index(desc, " ! fakesink"):]
	p, err := gst.NewPipelineFromString(desc)
	if err != nil {
		t.Fatal(err)
	}
	defer p.SetState(gst.StateNull)
	if err := p.SetState(gst.StatePlaying); err != nil {
		t.Fatal(err)
	}
	p.GetState(gst.StatePlaying, gst.ClockTime(5*time.Second))
	for range 50 {
		if live, min, _, ok := gsttest.Latency(p.Element); ok && live {
			return min
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no latency from %s", desc)
	return 0
}

// TestStressGOGC1 runs pipelines with the collector running after nearly every allocation (what
// GOGC=1 does), changing properties in PLAYING, calling back into Go, restarting elements and
// creating and dropping many of them: go-gst's memory bugs show up as crashes here.
func TestStressGOGC1(t *testing.T) {
	dir := tinyA(t)
	old := debug.SetGCPercent(1)
	defer debug.SetGCPercent(old)
	rounds := 8
	if testing.Short() {
		rounds = 3
	}
	formats := []string{"I420", "NV12", "BGRx", "RGB", "RGBA", "xRGB", "BGRA"}
	var calls sync.Map
	for i := range rounds {
		format := formats[i%len(formats)]
		blocking := i%2 == 0
		desc := fmt.Sprintf(`videotestsrc num-buffers=90 pattern=ball ! video/x-raw,width=72,height=56,framerate=30/1 ! videoconvert ! `+
			`video/x-raw,format=%s ! xclipfilter name=x model=%s labels="a;b;c" frame-interval=1 window-stride=1 attach-meta=true blocking=%v ! `+
			`fakesink name=sink`, format, dir, blocking)
		changed := false
		r := mustRun(t, desc, runOpts{
			setup: func(t testing.TB, p *gst.Pipeline) {
				x, _ := p.GetElementByName("x")
				SetResultCallback(x, func(r Result) {
					n, _ := calls.LoadOrStore(i, new(int))
					*n.(*int)++
					_ = fmt.Sprint(r.Labels, r.Scores)
				})
			},
			during: func(t testing.TB, p *gst.Pipeline, r *run) {
				x, _ := p.GetElementByName("x")
				if !changed && len(r.results) > 3 {
					x.SetArg("labels", "one;two;three;four")
					x.SetArg("threshold", "0.2")
					x.SetArg("top-k", "2")
					changed = true
				}
				if v, err := x.GetProperty("windows-skipped"); err != nil || v == nil {
					t.Errorf("windows-skipped: %v %v", v, err)
				}
				runtime.GC()
			},
		})
		if len(r.results) == 0 || len(r.events(t)) != len(r.results) {
			t.Errorf("round %d: %d results, %d events", i, len(r.results), len(r.events(t)))
		}
	}
	// Elements created, configured, started, stopped and dropped.
	for i := range 3 * rounds {
		p, err := gst.NewPipelineFromString(fmt.Sprintf(`videotestsrc ! videoconvert ! xclipfilter model=%s labels="x;y" ! fakesink`, dir))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []gst.State{gst.StateReady, gst.StatePaused, gst.StateReady, gst.StatePaused, gst.StateNull} {
			if err := p.SetState(s); err != nil {
				t.Fatalf("round %d: state %v: %v", i, s, err)
			}
		}
		p.GetState(gst.StateNull, gst.ClockTime(time.Second))
		runtime.GC()
	}
}
