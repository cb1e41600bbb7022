package xclipfilter

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-gst/go-gst/gst"
)

// stallRun is a live pipeline whose buffers a valve can hold back, and what its bus said.
type stallRun struct {
	p        *gst.Pipeline
	bus      *gst.Bus
	results  int
	stalled  []float64 // stalled-for of each xclip-stalled message
	resumed  int
	warnings []string
	stats    []Stats
}

// pump reads the bus until cond holds or the timeout passes; it fails on an error message.
func (r *stallRun) pump(t *testing.T, timeout time.Duration, cond func() bool) bool {
	t.Helper()
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); {
		if cond != nil && cond() {
			return true
		}
		msg := r.bus.TimedPopFiltered(gst.ClockTime(50*time.Millisecond), gst.MessageElement|gst.MessageWarning|gst.MessageError)
		if msg == nil {
			continue
		}
		switch msg.Type() {
		case gst.MessageError:
			t.Fatal(msg.ParseError())
		case gst.MessageWarning:
			r.warnings = append(r.warnings, msg.ParseWarning().Error())
		case gst.MessageElement:
			if _, ok := ParseMessage(msg); ok {
				r.results++
			} else if s, ok := ParseStatsMessage(msg); ok {
				r.stats = append(r.stats, s)
			} else if s := msg.GetStructure(); s != nil {
				switch s.Name() {
				case StalledName:
					v, err := s.GetValue("stalled-for")
					if err != nil {
						t.Fatalf("%s without stalled-for: %v", StalledName, err)
					}
					r.stalled = append(r.stalled, v.(float64))
					if src, _ := s.GetValue("source"); src != "x" {
						t.Errorf("%s source %v, want x", StalledName, src)
					}
				case ResumedName:
					r.resumed++
				}
			}
		}
	}
	return cond != nil && cond()
}

// TestStallTimeout: a live source that stops delivering (a valve dropping every buffer) is reported
// once, after stall-timeout, as a warning, an xclip-stalled message and stalled in xclip-stats; when
// buffers come back, xclip-resumed follows and stalled clears. Nothing is reported while buffers flow.
func TestStallTimeout(t *testing.T) {
	desc := fmt.Sprintf(`videotestsrc is-live=true pattern=ball ! video/x-raw,width=64,height=48,framerate=30/1,format=RGB ! `+
		`valve name=v ! xclipfilter name=x model=%s labels="a;b" frame-interval=1 stall-timeout=400 stats-interval=0.1 ! `+
		`fakesink sync=false`, tinyA(t))
	p, err := gst.NewPipelineFromString(desc)
	if err != nil {
		t.Fatal(err)
	}
	defer p.SetState(gst.StateNull)
	r := &stallRun{p: p, bus: p.GetPipelineBus()}
	if err := p.SetState(gst.StatePlaying); err != nil {
		t.Fatal(err)
	}
	if !r.pump(t, time.Minute, func() bool { return r.results >= 3 }) {
		t.Fatalf("no results within a minute (%d)", r.results)
	}
	r.pump(t, time.Second, nil)
	if len(r.stalled) != 0 || len(r.warnings) != 0 {
		t.Fatalf("while buffers flow: stalled %v, warnings %q", r.stalled, r.warnings)
	}
	if s := r.stats[len(r.stats)-1]; s.Stalled || s.LastBufferAge < 0 || s.LastBufferAge > 300 {
		t.Errorf("stats while buffers flow: %+v", s)
	}
	v, err := p.GetElementByName("v")
	if err != nil {
		t.Fatal(err)
	}
	cut := time.Now()
	v.SetArg("drop", "true")
	if !r.pump(t, 30*time.Second, func() bool { return len(r.stalled) > 0 }) {
		t.Fatal("no xclip-stalled within 30 s of the valve closing")
	}
	if took := time.Since(cut); took < 400*time.Millisecond {
		t.Errorf("stall reported %v after the cut, before stall-timeout", took)
	}
	if r.stalled[0] < 400 {
		t.Errorf("stalled-for %.1f ms, below stall-timeout", r.stalled[0])
	}
	if len(r.warnings) != 1 || !strings.Contains(r.warnings[0], "stall-timeout 400 ms") {
		t.Errorf("warnings %q, want one naming stall-timeout", r.warnings)
	}
	nStats := len(r.stats)
	r.pump(t, time.Second, func() bool { return len(r.stats) > nStats+2 })
	if s := r.stats[len(r.stats)-1]; !s.Stalled || s.LastBufferAge < 400 {
		t.Errorf("stats while stalled: %+v", s)
	}
	if len(r.stalled) != 1 {
		t.Errorf("%d xclip-stalled messages for one stall", len(r.stalled))
	}
	v.SetArg("drop", "false")
	if !r.pump(t, 30*time.Second, func() bool { return r.resumed > 0 }) {
		t.Fatal("no xclip-resumed within 30 s of the valve opening")
	}
	nStats = len(r.stats)
	r.pump(t, 10*time.Second, func() bool { return len(r.stats) > nStats+1 })
	if s := r.stats[len(r.stats)-1]; s.Stalled || s.LastBufferAge > 300 {
		t.Errorf("stats after resuming: %+v", s)
	}
}

// TestStallNotAfterEOS: a stream that ended is not a stalled one, however long the pipeline stays
// PLAYING after EOS.
func TestStallNotAfterEOS(t *testing.T) {
	desc := fmt.Sprintf(`videotestsrc is-live=true num-buffers=15 pattern=ball ! video/x-raw,width=64,height=48,framerate=30/1,format=RGB ! `+
		`xclipfilter name=x model=%s labels="a;b" frame-interval=1 stall-timeout=200 ! fakesink sync=false`, tinyA(t))
	p, err := gst.NewPipelineFromString(desc)
	if err != nil {
		t.Fatal(err)
	}
	defer p.SetState(gst.StateNull)
	bus := p.GetPipelineBus()
	if err := p.SetState(gst.StatePlaying); err != nil {
		t.Fatal(err)
	}
	if msg := bus.TimedPopFiltered(gst.ClockTime(time.Minute), gst.MessageEOS|gst.MessageError); msg == nil || msg.Type() != gst.MessageEOS {
		t.Fatalf("no EOS within a minute: %v", msg)
	}
	r := &stallRun{p: p, bus: bus}
	r.pump(t, 1500*time.Millisecond, nil)
	if len(r.stalled) != 0 || len(r.warnings) != 0 {
		t.Errorf("after EOS: stalled %v, warnings %q", r.stalled, r.warnings)
	}
}
