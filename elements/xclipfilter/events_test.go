package xclipfilter

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

// win is window i (from 1) of a clip with one window a second: its first frame at i-1 s, its last
// at i-1 s + 900 ms, stream time 10 s ahead of running time.
func win(i int, labels []string, scores ...float64) EventWindow {
	s := uint64(i-1) * 1e9
	return EventWindow{Labels: labels, Scores: scores, StartRunningTime: s, EndRunningTime: s + 9e8,
		StartStreamTime: s + 1e10, EndStreamTime: s + 1e10 + 9e8}
}

var ab = []string{"a", "b"}

func defaultEventConfig() EventConfig {
	return EventConfig{Thresholds: Thresholds{defaultEventThreshold, defaultEventExitThreshold},
		MinWindows: defaultEventMinWindows, MinEndWindows: defaultEventMinEndWindows}
}

// feed runs scores of label a (b gets 1-a) through a tracker, returning the events by window (from 1).
func feed(t *testing.T, cfg EventConfig, scores ...float64) map[int][]LabelEvent {
	t.Helper()
	tr := NewEventTracker()
	out := map[int][]LabelEvent{}
	for i, s := range scores {
		if evs := tr.Update(cfg, win(i+1, ab, s, 1-s), "cam"); len(evs) > 0 {
			out[i+1] = evs
		}
	}
	return out
}

// TestEventHysteresis: a label starts after min-windows consecutive windows at or above entry, stays
// open while its score is at or above exit (even below entry), ends after min-end-windows windows
// below exit, and one window below exit (or below entry, before the start) resets the count.
func TestEventHysteresis(t *testing.T) {
	cfg := defaultEventConfig()
	//            1    2    3    4    5    6    7    8    9    10   11
	got := feed(t, cfg, 0.7, 0.3, 0.7, 0.8, 0.5, 0.35, 0.45, 0.3, 0.2, 0.9, 0.1)
	// b (1-a) starts too: 0.65 and 0.8 at windows 8 and 9.
	want := map[int][]LabelEvent{
		4: {{Label: "a", State: EventStarted, StartRunningTime: 2e9, StartStreamTime: 12e9, EndRunningTime: ClockTimeNone,
			EndStreamTime: ClockTimeNone, PeakScore: 0.8, Windows: 2, Source: "cam"}},
		9: {
			{Label: "a", State: EventEnded, Reason: ReasonScore, StartRunningTime: 2e9, StartStreamTime: 12e9,
				EndRunningTime: 6e9 + 9e8, EndStreamTime: 16e9 + 9e8, PeakScore: 0.8, Windows: 4, Source: "cam"},
			{Label: "b", State: EventStarted, StartRunningTime: 7e9, StartStreamTime: 17e9, EndRunningTime: ClockTimeNone,
				EndStreamTime: ClockTimeNone, PeakScore: 0.8, Windows: 2, Source: "cam"},
		},
	}
	if !eventsEqual(got, want) {
		t.Errorf("events\n got %+v\nwant %+v", got, want)
	}
}

func eventsEqual(got, want map[int][]LabelEvent) bool {
	if len(got) != len(want) {
		return false
	}
	for k, w := range want {
		g := got[k]
		if len(g) != len(w) {
			return false
		}
		for i := range w {
			if math.Abs(g[i].PeakScore-w[i].PeakScore) > 1e-12 {
				return false
			}
			g[i].PeakScore = w[i].PeakScore
			if g[i] != w[i] {
				return false
			}
		}
	}
	return true
}

// TestEventMinWindows: with min-windows 1 a single window starts an event, with min-end-windows 3 two
// low windows do not end it.
func TestEventMinWindows(t *testing.T) {
	cfg := defaultEventConfig()
	cfg.MinWindows, cfg.MinEndWindows = 1, 3
	cfg.Overrides = map[string]Thresholds{"b": {1, 1}} // b never starts
	got := feed(t, cfg, 0.1, 0.9, 0.1, 0.1, 0.5, 0.1, 0.1, 0.1, 0.1)
	if len(got) != 2 || got[2][0].State != EventStarted || got[2][0].Windows != 1 ||
		got[8][0].State != EventEnded || got[8][0].Windows != 2 || got[8][0].EndRunningTime != 4e9+9e8 {
		t.Errorf("events %+v", got)
	}
}

// TestEventOverrides: per-label thresholds replace the element's for that label only.
func TestEventOverrides(t *testing.T) {
	cfg := defaultEventConfig()
	var err error
	if cfg.Overrides, err = ParseEventThresholds("a=0.2/0.1", cfg.Exit); err != nil {
		t.Fatal(err)
	}
	// a at 0.3 starts with the override (entry 0.2) and never ends (exit 0.1); b at 0.7 starts with the
	// element's 0.6.
	got := feed(t, cfg, 0.3, 0.3, 0.3, 0.3)
	if len(got) != 1 || len(got[2]) != 2 || got[2][0].Label != "a" || got[2][1].Label != "b" {
		t.Errorf("events %+v", got)
	}
}

// TestEventLabelsChanged: a label that leaves the label set ends its event (labels-changed) with the
// next window; one that stays keeps its event; a label that comes back starts afresh.
func TestEventLabelsChanged(t *testing.T) {
	cfg := defaultEventConfig()
	cfg.Overrides = map[string]Thresholds{"a": {0, 0}, "b": {0, 0}, "c": {0, 0}}
	tr := NewEventTracker()
	for i := 1; i <= 2; i++ {
		tr.Update(cfg, win(i, ab, 0.5, 0.5), "s")
	}
	if got := tr.Open(); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Fatalf("open %v", got)
	}
	evs := tr.Update(cfg, win(3, []string{"b", "c"}, 0.5, 0.5), "s")
	if len(evs) != 1 || evs[0].Label != "a" || evs[0].State != EventEnded || evs[0].Reason != ReasonLabelsChanged ||
		evs[0].Windows != 2 || evs[0].EndRunningTime != 1e9+9e8 {
		t.Fatalf("events %+v", evs)
	}
	evs = tr.Update(cfg, win(4, []string{"a", "b", "c"}, 0.3, 0.3, 0.4), "s")
	if len(evs) != 1 || evs[0].Label != "c" || evs[0].State != EventStarted || evs[0].StartRunningTime != 2e9 {
		t.Fatalf("events %+v", evs)
	}
	if got := tr.Open(); !reflect.DeepEqual(got, []string{"b", "c"}) {
		t.Fatalf("open %v", got)
	}
}

// TestEventEndAll: end of stream ends the open events (and only those) with the last window that
// counted; afterwards nothing is open and labels start from scratch. Non-finite windows are ignored.
func TestEventEndAll(t *testing.T) {
	cfg := defaultEventConfig()
	tr := NewEventTracker()
	tr.Update(cfg, win(1, ab, 0.9, 0.1), "s")
	tr.Update(cfg, win(2, ab, 0.9, 0.1), "s")
	if evs := tr.Update(cfg, win(3, ab, math.NaN(), 0.1), "s"); evs != nil {
		t.Fatalf("NaN window: %+v", evs)
	}
	if evs := tr.Update(cfg, win(4, ab, math.Inf(1), 0.1), "s"); evs != nil {
		t.Fatalf("Inf window: %+v", evs)
	}
	evs := tr.EndAll(ReasonEOS, "t")
	if len(evs) != 1 || evs[0].Label != "a" || evs[0].Reason != ReasonEOS || evs[0].Source != "t" || evs[0].Windows != 2 ||
		evs[0].EndRunningTime != 1e9+9e8 || evs[0].PeakScore != 0.9 {
		t.Fatalf("EndAll %+v", evs)
	}
	if got := tr.Open(); len(got) != 0 {
		t.Fatalf("open after EndAll %v", got)
	}
	if evs := tr.Update(cfg, win(5, ab, 0.9, 0.1), "s"); len(evs) != 0 {
		t.Fatalf("one window after EndAll started %+v", evs)
	}
}

// TestParseEventThresholds: the syntax, the exit default, and errors that name the entry.
func TestParseEventThresholds(t *testing.T) {
	got, err := ParseEventThresholds(" a fall = 0.5/0.3 ; nobody=0.9;x=0.2;;k=v=1/0", 0.4)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Thresholds{"a fall": {0.5, 0.3}, "nobody": {0.9, 0.4}, "x": {0.2, 0.2}, "k=v": {1, 0}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for _, c := range []struct{ text, entry, why string }{
		{"a=0.5;b", `"b"`, `no "="`},
		{"=0.5", `"=0.5"`, "no label"},
		{"a=0.5;a=0.6", `"a=0.6"`, "twice"},
		{"a=x", `"a=x"`, `"x" is not a score`},
		{"a=1.5", `"a=1.5"`, "between 0 and 1"},
		{"a=0.5/NaN", `"a=0.5/NaN"`, `"NaN" is not a score`},
		{"a=0.3/0.5", `"a=0.3/0.5"`, "exit 0.5 is above entry 0.3"},
	} {
		_, err := ParseEventThresholds(c.text, 0.4)
		if err == nil || !strings.Contains(err.Error(), c.entry) || !strings.Contains(err.Error(), c.why) {
			t.Errorf("%q: error %v, want one naming %s (%s)", c.text, err, c.entry, c.why)
		}
	}
	if err := checkThresholds(0.5, 0.6); err == nil || !strings.Contains(err.Error(), "event-exit-threshold 0.6") ||
		!strings.Contains(err.Error(), "event-threshold 0.5") {
		t.Errorf("checkThresholds: %v", err)
	}
}
