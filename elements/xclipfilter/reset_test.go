package xclipfilter

import (
	"fmt"
	"testing"
	"time"

	"github.com/go-gst/go-gst/gst"

	"github.com/xclipfilter/xclipfilter/elements/xclipfilter/internal/gsttest"
)

// TestResets: a DISCONT buffer, a GAP buffer and a GAP event start a new window: no window spans
// them, and windows after them follow from the first frame after.
func TestResets(t *testing.T) {
	dir := tinyA(t) // 3 frames, stride 3
	const n, at = 25, 10
	for _, c := range []struct {
		name  string
		what  int
		first int // first frame of the new windows
	}{
		{"discont", gsttest.MarkDiscont, at},
		{"gap buffer", gsttest.MarkGap, at + 1},
		{"gap event", gsttest.GapEvent, at + 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			desc := fmt.Sprintf(`videotestsrc num-buffers=%d pattern=ball ! video/x-raw,width=64,height=48,framerate=30/1,format=RGB ! `+
				`identity name=mark ! xclipfilter model=%s labels="a;b" frame-interval=1 blocking=true ! fakesink name=sink`, n, dir)
			r := mustRun(t, desc, runOpts{setup: func(t testing.TB, p *gst.Pipeline) {
				mark, err := p.GetElementByName("mark")
				if err != nil {
					t.Fatal(err)
				}
				if err := gsttest.Inject(mark, "src", at, c.what); err != nil {
					t.Fatal(err)
				}
			}})
			pts := func(frame int) uint64 { return uint64(frame) * uint64(time.Second) / 30 }
			var after []Result
			for _, res := range r.results {
				switch {
				case res.WindowStart >= pts(at):
					after = append(after, res)
				case res.WindowEnd >= pts(at):
					t.Errorf("window %d [%d, %d] spans the reset at %d", res.Window, res.WindowStart, res.WindowEnd, pts(at))
				case res.WindowStart%uint64(pts(3)) > 1:
					t.Errorf("window %d before the reset starts at %d", res.Window, res.WindowStart)
				}
			}
			starts, ends, final := expectedWindowsFrom(c.first, n, 3)
			if len(after) != len(starts) {
				t.Fatalf("%d windows after the reset, want %d: %+v", len(after), len(starts), after)
			}
			for i, res := range after {
				if res.WindowStart != pts(starts[i]) || res.WindowEnd != pts(ends[i]) || res.Final != (final && i == len(after)-1) {
					t.Errorf("window %d after the reset: [%d, %d] final %v; want frames %d..%d", i+1, res.WindowStart, res.WindowEnd,
						res.Final, starts[i], ends[i])
				}
			}
			if got := len(r.buffers()); got != n-boolInt(c.what == gsttest.GapEvent) {
				t.Errorf("sink got %d buffers", got)
			}
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// expectedWindowsFrom lists the frames of windows of t frames, stride t, from frame first to n-1
// (with the final partial window at EOS).
func expectedWindowsFrom(first, n, t int) (starts, ends []int, final bool) {
	e := first + t - 1
	for ; e < n; e += t {
		starts, ends = append(starts, e-t+1), append(ends, e)
	}
	if e-t+1 < n {
		kept := max(first, n-t)
		starts, ends = append(starts, kept), append(ends, n-1) // SampleUniform(t, t) keeps them all
		final = true
	}
	return starts, ends, final
}

// TestCapsChangeResets: a new frame size mid-stream starts a new window.
func TestCapsChangeResets(t *testing.T) {
	dir := tinyA(t)
	desc := fmt.Sprintf(`videotestsrc num-buffers=60 pattern=ball ! video/x-raw,framerate=30/1 ! videoscale ! capsfilter name=cf caps=video/x-raw,width=64,height=48 ! `+
		`videoconvert ! video/x-raw,format=RGB ! xclipfilter model=%s labels="a;b" frame-interval=1 blocking=true ! fakesink name=sink`, dir)
	changed := false
	r := mustRun(t, desc, runOpts{during: func(t testing.TB, p *gst.Pipeline, r *run) {
		if !changed && len(r.results) >= 3 {
			cf, _ := p.GetElementByName("cf")
			cf.SetArg("caps", "video/x-raw,width=80,height=60")
			changed = true
		}
	}})
	bufs := r.buffers()
	change := -1
	for i := 1; i < len(bufs); i++ {
		if bufs[i].Size != bufs[0].Size {
			change = i
			break
		}
	}
	if change < 0 {
		t.Fatal("the caps never changed")
	}
	at := bufs[change].PTS
	after := 0
	for _, res := range r.results {
		if res.WindowStart < at && res.WindowEnd >= at {
			t.Errorf("window %d [%d, %d] spans the caps change at %d", res.Window, res.WindowStart, res.WindowEnd, at)
		}
		if res.WindowStart >= at {
			if after == 0 && res.WindowStart != at {
				t.Errorf("first window after the change starts at %d, want %d", res.WindowStart, at)
			}
			after++
		}
	}
	if after == 0 {
		t.Error("no window after the caps change")
	}
	t.Logf("caps changed at frame %d; %d windows after", change, after)
}

// TestFlushingSeekResets: a flushing seek drops the window being filled; the first window after the
// seek starts at the seek position.
func TestFlushingSeekResets(t *testing.T) {
	dir := tinyA(t)
	desc := fmt.Sprintf(`videotestsrc num-buffers=300 pattern=ball ! video/x-raw,width=64,height=48,framerate=30/1,format=RGB ! `+
		`xclipfilter model=%s labels="a;b" frame-interval=1 window-stride=1 blocking=true ! fakesink name=sink`, dir)
	target := uint64(7 * time.Second)
	seeked := false
	r := mustRun(t, desc, runOpts{during: func(t testing.TB, p *gst.Pipeline, r *run) {
		if !seeked && len(r.results) >= 4 {
			if !p.SeekSimple(int64(target), gst.FormatTime, gst.SeekFlagFlush|gst.SeekFlagAccurate) {
				t.Fatal("seek refused")
			}
			seeked = true
		}
	}})
	if !seeked {
		t.Fatal("no seek")
	}
	var first *Result
	for i := range r.results {
		res := &r.results[i]
		if res.WindowEnd >= target {
			if first == nil {
				first = res
			}
			if res.WindowStart < target {
				t.Errorf("window %d [%d, %d] mixes frames from before and after the seek to %d", res.Window, res.WindowStart, res.WindowEnd, target)
			}
		}
	}
	if first == nil || first.WindowStart != target || first.WindowEnd != target+2*uint64(time.Second)/30+1 && first.WindowEnd != target+2*uint64(time.Second)/30 {
		t.Errorf("first window after the seek: %+v", first)
	}
}
