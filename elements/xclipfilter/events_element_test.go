package xclipfilter

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-gst/go-gst/gst"

	"github.com/xclipfilter/xclipfilter/elements/xclipfilter/internal/gsttest"
)

// eventsDesc is a 10-window clip (the tiny checkpoint has 3 frames a window) through xclipfilter
// named x. Its scores are near-uniform over three labels: an entry threshold of 1 never starts an
// event (a label would need every bit of the softmax), 0 always does, and an exit of 0 never ends one.
func eventsDesc(t *testing.T, props string) string {
	return fmt.Sprintf(`videotestsrc num-buffers=30 pattern=ball ! video/x-raw,width=64,height=48,framerate=30/1,format=RGB ! `+
		`xclipfilter name=x model=%s labels="a;b;c" frame-interval=1 blocking=true source=cam1 `+
		`event-threshold=1 event-exit-threshold=1 %s ! fakesink name=sink`, tinyA(t), props)
}

// downstreamLabelEvents returns the xclip-event events that reached the sink, and the index in the
// records of each (and of EOS, -1 if none).
func downstreamLabelEvents(t *testing.T, r *run) (evs []LabelEvent, at []int, eos int) {
	t.Helper()
	eos = -1
	for i, rec := range r.records {
		switch rec.Kind {
		case gsttest.OtherEvent:
			e, err := ParseLabelEventString(rec.Event)
			if err != nil {
				t.Fatalf("downstream %q: %v", rec.Event, err)
			}
			evs, at = append(evs, e), append(at, i)
		case gsttest.EOS:
			eos = i
		}
	}
	return evs, at, eos
}

func peakOf(results []Result, label string) float64 {
	peak := math.Inf(-1)
	for _, res := range results {
		peak = math.Max(peak, res.Scores[slices.Index(res.Labels, label)])
	}
	return peak
}

// TestLabelEventsEOS: an override that always starts label a starts its event with the second window
// (event-min-windows 2) from the first frame of the first, and EOS ends it with the last window; the
// other labels never start. Messages and downstream events agree, each started event follows the
// result that started it, the ended one precedes EOS, and every structure carries the source.
func TestLabelEventsEOS(t *testing.T) {
	r := mustRun(t, eventsDesc(t, `event-thresholds="a=0/0"`), runOpts{})
	if len(r.results) < 10 {
		t.Fatalf("%d results, want 10", len(r.results))
	}
	last := r.results[len(r.results)-1]
	want := []LabelEvent{
		{Label: "a", State: EventStarted, StartRunningTime: 0, StartStreamTime: 0, EndRunningTime: ClockTimeNone,
			EndStreamTime: ClockTimeNone, PeakScore: peakOf(r.results[:2], "a"), Windows: 2, Source: "cam1"},
		{Label: "a", State: EventEnded, Reason: ReasonEOS, StartRunningTime: 0, StartStreamTime: 0,
			EndRunningTime: last.RunningTime, EndStreamTime: last.StreamTime, PeakScore: peakOf(r.results, "a"),
			Windows: uint64(len(r.results)), Source: "cam1"},
	}
	if !slices.Equal(r.labelEvs, want) {
		t.Errorf("messages\n got %+v\nwant %+v", r.labelEvs, want)
	}
	down, at, eos := downstreamLabelEvents(t, r)
	if !slices.Equal(down, want) {
		t.Errorf("downstream\n got %+v\nwant %+v", down, want)
	}
	if len(at) == 2 && (eos < 0 || at[1] > eos) {
		t.Errorf("ended event at record %d, EOS at %d", at[1], eos)
	}
	// The started event comes right after the second window's result.
	if len(at) > 0 {
		prev := r.records[at[0]-1]
		res, err := ParseString(prev.Event)
		if prev.Kind != gsttest.Event || err != nil || res.Window != 2 {
			t.Errorf("before the started event: %+v", prev)
		}
		if strings.Contains(r.records[at[0]].Event, "end-running-time") || strings.Contains(r.records[at[0]].Event, "reason") {
			t.Errorf("started event with end fields: %s", r.records[at[0]].Event)
		}
	}
	for _, res := range append(r.results, r.events(t)...) {
		if res.Source != "cam1" {
			t.Fatalf("result of window %d has source %q", res.Window, res.Source)
		}
	}
}

// TestLabelEventsScoreEnd: thresholds changed while playing take effect from the next window. The
// result callback of window 3 raises a's thresholds to 1/1 (it runs before window 4 is classified),
// so windows 4 and 5 are below exit and end the event with reason score; its last counted window is
// window 3, and a never starts again.
func TestLabelEventsScoreEnd(t *testing.T) {
	r := mustRun(t, eventsDesc(t, `event-thresholds="a=0/0"`), runOpts{setup: func(t testing.TB, p *gst.Pipeline) {
		x, err := p.GetElementByName("x")
		if err != nil {
			t.Fatal(err)
		}
		if err := SetResultCallback(x, func(res Result) {
			if res.Window == 3 {
				x.SetProperty("event-thresholds", "a=1/1")
			}
		}); err != nil {
			t.Fatal(err)
		}
	}})
	if len(r.results) < 6 {
		t.Fatalf("%d results", len(r.results))
	}
	w3 := r.results[2]
	want := []LabelEvent{
		{Label: "a", State: EventStarted, EndRunningTime: ClockTimeNone, EndStreamTime: ClockTimeNone,
			PeakScore: peakOf(r.results[:2], "a"), Windows: 2, Source: "cam1"},
		{Label: "a", State: EventEnded, Reason: ReasonScore, EndRunningTime: w3.RunningTime, EndStreamTime: w3.StreamTime,
			PeakScore: peakOf(r.results[:3], "a"), Windows: 3, Source: "cam1"},
	}
	if !slices.Equal(r.labelEvs, want) {
		t.Errorf("messages\n got %+v\nwant %+v", r.labelEvs, want)
	}
	if down, _, _ := downstreamLabelEvents(t, r); !slices.Equal(down, want) {
		t.Errorf("downstream\n got %+v\nwant %+v", down, want)
	}
}

// TestEventPropertiesRefused: a bad event-thresholds entry and an exit threshold above the entry are
// refused with warnings naming them, the previous values staying; at start such a pair is an error.
func TestEventPropertiesRefused(t *testing.T) {
	var x *gst.Element
	r := mustRun(t, eventsDesc(t, `event-thresholds="a=0/0"`), runOpts{setup: func(t testing.TB, p *gst.Pipeline) {
		x, _ = p.GetElementByName("x")
		if err := SetResultCallback(x, func(res Result) {
			if res.Window == 1 {
				x.SetProperty("event-thresholds", "a=0/0;b=2")
				x.SetProperty("event-exit-threshold", 0.9)
				x.SetProperty("event-threshold", 0.5)
			}
		}); err != nil {
			t.Fatal(err)
		}
	}})
	warned := strings.Join(r.warnings, "\n")
	for _, w := range []string{`event-thresholds entry "b=2"`, "event-exit-threshold 0.9 is above event-threshold 0.5"} {
		if !strings.Contains(warned, w) {
			t.Errorf("warnings %q, want one with %q", r.warnings, w)
		}
	}
	if v, _ := x.GetProperty("event-thresholds"); v != "a=0/0" {
		t.Errorf("event-thresholds %v after a refused change", v)
	}
	if len(r.labelEvs) != 2 {
		t.Errorf("events %+v", r.labelEvs)
	}
	bad := runPipeline(t, eventsDesc(t, ""), runOpts{setup: func(t testing.TB, p *gst.Pipeline) {
		x, _ := p.GetElementByName("x")
		x.SetProperty("event-threshold", 0.3)
	}})
	if len(bad.errors) == 0 || !strings.Contains(bad.errors[0], "event-exit-threshold 1 is above event-threshold 0.3") {
		t.Errorf("start with exit above entry: errors %q", bad.errors)
	}
}

// TestStatsAndStop: with stats-interval=0.2 xclip-stats messages come while the element runs, with the
// open events and the inference times; stopping (PAUSED to READY) ends the open event with reason
// stop (a message only) and no stats message follows.
func TestStatsAndStop(t *testing.T) {
	desc := fmt.Sprintf(`videotestsrc num-buffers=100000 pattern=ball ! video/x-raw,width=64,height=48,framerate=30/1,format=RGB ! `+
		`xclipfilter name=x model=%s labels="a;b;c" frame-interval=1 blocking=true event-threshold=1 event-exit-threshold=1 `+
		`event-thresholds="b=0/0" event-min-windows=1 stats-interval=0.2 ! fakesink sync=true`, tinyA(t))
	p, err := gst.NewPipelineFromString(desc)
	if err != nil {
		t.Fatal(err)
	}
	defer p.SetState(gst.StateNull)
	if err := p.SetState(gst.StatePlaying); err != nil {
		t.Fatal(err)
	}
	bus := p.GetPipelineBus()
	var stats []Stats
	var evs []LabelEvent
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) && !(len(evs) > 0 && len(stats) >= 3 && len(stats[len(stats)-1].OpenEvents) > 0) {
		msg := bus.TimedPopFiltered(gst.ClockTime(100*time.Millisecond), gst.MessageElement|gst.MessageError)
		if msg == nil {
			continue
		}
		if msg.Type() == gst.MessageError {
			t.Fatal(msg.ParseError())
		}
		if s, ok := ParseStatsMessage(msg); ok {
			stats = append(stats, s)
		} else if e, ok := ParseLabelEventMessage(msg); ok {
			evs = append(evs, e)
		}
	}
	if len(evs) == 0 || len(stats) < 3 {
		t.Fatalf("within 2 minutes: events %+v, stats %+v", evs, stats)
	}
	for _, s := range stats {
		if s.Source != "x" || (s.Windows == 0) != (s.InferenceP50 == -1) || s.InferenceP95 < s.InferenceP50 ||
			(s.Windows == 0) != (s.LastResultAge == -1) || s.LastResultAge < -1 {
			t.Errorf("stats %+v", s)
		}
	}
	s := stats[len(stats)-1]
	if s.Windows == 0 || s.InferenceP50 <= 0 || !slices.Equal(s.OpenEvents, []string{"b"}) {
		t.Errorf("last stats %+v", s)
	}
	if err := p.SetState(gst.StateReady); err != nil {
		t.Fatal(err)
	}
	var ended *LabelEvent
	var after []Stats
	for quiet := time.Now().Add(time.Second); time.Now().Before(quiet); {
		msg := bus.TimedPopFiltered(gst.ClockTime(100*time.Millisecond), gst.MessageElement)
		if msg == nil {
			continue
		}
		if e, ok := ParseLabelEventMessage(msg); ok && e.State == EventEnded {
			ended = &e
			after = nil
		} else if s, ok := ParseStatsMessage(msg); ok && ended != nil {
			after = append(after, s)
		}
	}
	if ended == nil || ended.Label != "b" || ended.Reason != ReasonStop || ended.Source != "x" {
		t.Errorf("ended %+v", ended)
	}
	if len(after) > 0 {
		t.Errorf("stats after stop: %+v", after)
	}
}
