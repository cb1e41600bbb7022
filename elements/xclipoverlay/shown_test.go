package xclipoverlay

import (
	"math"
	"reflect"
	"testing"

	"github.com/xclipfilter/xclipfilter/elements/xclipfilter"
)

// TestLines: the result's labels ranked by score over all of them (NaN left out), top-k of them, then
// one line per open event in the order they started; an end removes only its own label and source; a
// second start of the same event replaces the first.
func TestLines(t *testing.T) {
	var s shown
	s.since = clockTimeNone
	s.setResult(xclipfilter.Result{Window: 1, Labels: []string{"a", "b", "c", "d"}, Scores: []float64{0.1, math.NaN(), 0.6, 0.3},
		TopLabels: []string{"c"}, TopScores: []float64{0.6}})
	ev := func(label, state, source string, peak float64, start uint64) xclipfilter.LabelEvent {
		return xclipfilter.LabelEvent{Label: label, State: state, Source: source, PeakScore: peak,
			StartStreamTime: start, StartRunningTime: 5e9}
	}
	s.applyEvent(ev("a fall", xclipfilter.EventStarted, "door", 0.8, 3723e9))
	s.applyEvent(ev("a fall", xclipfilter.EventStarted, "yard", 0.7, clockTimeNone))
	s.applyEvent(ev("nobody", xclipfilter.EventStarted, "door", 0.95, 0))
	s.applyEvent(ev("a fall", xclipfilter.EventStarted, "door", 0.9, 3723e9)) // replaces door's a fall, now last
	s.applyEvent(ev("nobody", xclipfilter.EventEnded, "door", 0.95, 0))
	v := s.at(clockTimeNone, 0)
	got := v.lines(3, true)
	want := []line{
		{text: "0.60 c", bar: 0.6}, {text: "0.30 d", bar: 0.3}, {text: "0.10 a", bar: 0.1},
		{text: "a fall 0.70 since 00:00:05", bar: -1, marker: true},
		{text: "a fall 0.90 since 01:02:03", bar: -1, marker: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("lines\n got %+v\nwant %+v", got, want)
	}
	if got := v.lines(0, false); got != nil {
		t.Errorf("top-k 0 without events: %+v", got)
	}
	if got := v.lines(10, false); len(got) != 3 {
		t.Errorf("top-k 10 of 3 finite scores: %+v", got)
	}
}

// TestHold: the hold counts from the first frame with a running time that shows the result, and
// starts again when the running time goes back (a flush); 0 keeps the result.
func TestHold(t *testing.T) {
	var s shown
	s.since = clockTimeNone
	s.setResult(xclipfilter.Result{Window: 1, Labels: []string{"a"}, Scores: []float64{1}})
	const ms = 1e6
	for i, c := range []struct {
		rt    uint64
		shown bool
	}{{clockTimeNone, true}, {1000 * ms, true}, {1200 * ms, true}, {500 * ms, true}, {749 * ms, true}, {750 * ms, false}, {0, false}} {
		if v := s.at(c.rt, 250*ms); (v.result != nil) != c.shown {
			t.Errorf("step %d (running time %d): shown %v, want %v", i, c.rt, v.result != nil, c.shown)
		}
	}
	s.setResult(xclipfilter.Result{Window: 2})
	if v := s.at(1e12, 0); v.result == nil || v.result.Window != 2 {
		t.Errorf("hold 0 dropped the result")
	}
}
