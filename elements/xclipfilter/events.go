package xclipfilter

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Label events: a label's event starts when its score (softmax) stays at or above an entry threshold
// for some consecutive windows, and ends when it stays below a lower exit threshold for some
// consecutive windows. The two thresholds (hysteresis) and the two window counts (debounce) keep a
// score that wanders around one value, or one noisy window, from starting and ending events at every
// window.

// LabelEventName names the element message and the custom downstream event of a label event.
const LabelEventName = "xclip-event"

// Event states and end reasons.
const (
	EventStarted = "started"
	EventEnded   = "ended"

	ReasonScore         = "score"          // below the exit threshold for event-min-end-windows windows
	ReasonEOS           = "eos"            // end of stream
	ReasonStop          = "stop"           // the element stopped (PAUSED to READY)
	ReasonLabelsChanged = "labels-changed" // the label is not in the label set any more
)

// Defaults of the event properties: two windows (about two seconds at the default frame-interval)
// debounce a single noisy window; the gap between 0.6 and 0.4 keeps a score hovering around one
// value from toggling the event.
const (
	defaultEventThreshold     = 0.6
	defaultEventExitThreshold = 0.4
	defaultEventMinWindows    = 2
	defaultEventMinEndWindows = 2
)

// Thresholds are a label's entry (start at or above) and exit (end below) scores; Exit <= Entry.
type Thresholds struct {
	Entry, Exit float64
}

// EventConfig sets the hysteresis of label events.
type EventConfig struct {
	Thresholds                                      // for labels without an override
	MinWindows, MinEndWindows int                   // consecutive windows to start and to end, at least 1
	Overrides                 map[string]Thresholds // per label (event-thresholds)
}

func (c *EventConfig) thresholds(label string) Thresholds {
	if t, ok := c.Overrides[label]; ok {
		return t
	}
	return c.Thresholds
}

// checkThresholds refuses an exit threshold above the entry threshold, naming both properties.
func checkThresholds(entry, exit float64) error {
	if !(exit <= entry) {
		return fmt.Errorf("event-exit-threshold %g is above event-threshold %g: the exit threshold must not be "+
			"above the entry threshold", exit, entry)
	}
	return nil
}

// ParseEventThresholds reads event-thresholds: entries "label=entry/exit" or "label=entry" separated
// by ";", e.g. "a fall=0.5/0.3;nobody=0.9". Scores are between 0 and 1 and exit <= entry; without
// /exit the exit threshold is defaultExit, or entry when that is lower. Spaces around labels and
// numbers are ignored; the last "=" separates the label from its thresholds. An entry that does not
// follow this, or a label given twice, is an error naming the entry.
func ParseEventThresholds(text string, defaultExit float64) (map[string]Thresholds, error) {
	out := map[string]Thresholds{}
	for _, part := range strings.Split(text, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		bad := func(why string) error {
			return fmt.Errorf("event-thresholds entry %.80q: %s (write label=entry/exit, e.g. \"a fall=0.5/0.3\")", part, why)
		}
		eq := strings.LastIndexByte(part, '=')
		if eq < 0 {
			return nil, bad("no \"=\"")
		}
		label := strings.TrimSpace(part[:eq])
		if label == "" {
			return nil, bad("no label")
		}
		if _, dup := out[label]; dup {
			return nil, bad("label given twice")
		}
		entryText, exitText, hasExit := strings.Cut(part[eq+1:], "/")
		score := func(s string) (float64, error) {
			v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil || !(v >= 0 && v <= 1) {
				return 0, bad(fmt.Sprintf("%q is not a score between 0 and 1", strings.TrimSpace(s)))
			}
			return v, nil
		}
		entry, err := score(entryText)
		if err != nil {
			return nil, err
		}
		exit := math.Min(defaultExit, entry)
		if hasExit {
			if exit, err = score(exitText); err != nil {
				return nil, err
			}
			if exit > entry {
				return nil, bad(fmt.Sprintf("exit %g is above entry %g", exit, entry))
			}
		}
		out[label] = Thresholds{entry, exit}
	}
	return out, nil
}

// EventWindow is what the tracker reads of one classified window.
type EventWindow struct {
	Labels []string
	Scores []float64
	// StartRunningTime and StartStreamTime are the window's first frame's, EndRunningTime and
	// EndStreamTime its last frame's (ns, ClockTimeNone when unknown).
	StartRunningTime, StartStreamTime, EndRunningTime, EndStreamTime uint64
}

// LabelEvent is one start or end of a label's event.
type LabelEvent struct {
	Label  string
	State  string // EventStarted or EventEnded
	Reason string // the end's reason (Reason*); "" for a start
	// Start* are the first frame's times of the first window that counted, End* the last frame's of
	// the last window that counted (ended events only; ClockTimeNone on started ones).
	StartRunningTime, StartStreamTime uint64
	EndRunningTime, EndStreamTime     uint64
	PeakScore                         float64 // highest score over the windows that counted
	Windows                           uint64  // windows that counted: at or above entry before the start, at or above exit after
	Source                            string
}

// labelTrack is one label's state between windows.
type labelTrack struct {
	open   bool
	run    int // open: consecutive windows below exit; closed: consecutive windows at or above entry
	ev     LabelEvent
	seenAt uint64 // the tracker's window count when the label was last in a window
}

// EventTracker follows every label's score over successive windows and reports its events' starts
// and ends. It is not safe for concurrent use.
type EventTracker struct {
	tracks  map[string]*labelTrack
	order   []string // labels in the order first seen, for a stable report order
	windows uint64
}

// NewEventTracker returns a tracker with no open event.
func NewEventTracker() *EventTracker { return &EventTracker{tracks: map[string]*labelTrack{}} }

// Update reads one window with cfg and returns the events that started or ended with it: first the
// labels that left the label set (ended, ReasonLabelsChanged), then per label in the window's order.
// A window with a non-finite score is ignored altogether (it counts neither way).
func (t *EventTracker) Update(cfg EventConfig, w EventWindow, source string) []LabelEvent {
	if len(w.Scores) != len(w.Labels) {
		return nil
	}
	for _, s := range w.Scores {
		if math.IsNaN(s) || math.IsInf(s, 0) {
			return nil
		}
	}
	t.windows++
	for _, l := range w.Labels {
		if tr := t.tracks[l]; tr != nil {
			tr.seenAt = t.windows
		}
	}
	var out []LabelEvent
	kept := t.order[:0]
	for _, l := range t.order {
		tr := t.tracks[l]
		if tr.seenAt == t.windows {
			kept = append(kept, l)
			continue
		}
		if tr.open {
			out = append(out, tr.end(ReasonLabelsChanged, source))
		}
		delete(t.tracks, l)
	}
	t.order = kept
	minStart, minEnd := max(cfg.MinWindows, 1), max(cfg.MinEndWindows, 1)
	for i, l := range w.Labels {
		tr := t.tracks[l]
		if tr == nil {
			tr = &labelTrack{seenAt: t.windows}
			t.tracks[l] = tr
			t.order = append(t.order, l)
		}
		score, th := w.Scores[i], cfg.thresholds(l)
		switch {
		case tr.open && score >= th.Exit:
			tr.run = 0
			tr.count(w, score)
		case tr.open:
			if tr.run++; tr.run >= minEnd {
				out = append(out, tr.end(ReasonScore, source))
			}
		case score >= th.Entry:
			if tr.run == 0 {
				tr.ev = LabelEvent{Label: l, StartRunningTime: w.StartRunningTime, StartStreamTime: w.StartStreamTime,
					EndRunningTime: ClockTimeNone, EndStreamTime: ClockTimeNone, PeakScore: score}
			}
			tr.run++
			tr.count(w, score)
			if tr.run >= minStart {
				tr.open, tr.run = true, 0
				started := tr.ev
				started.State, started.Source = EventStarted, source
				started.EndRunningTime, started.EndStreamTime = ClockTimeNone, ClockTimeNone
				out = append(out, started)
			}
		default:
			tr.run = 0
		}
	}
	return out
}

// count adds a window that counted to the event being built.
func (tr *labelTrack) count(w EventWindow, score float64) {
	tr.ev.Windows++
	tr.ev.PeakScore = math.Max(tr.ev.PeakScore, score)
	tr.ev.EndRunningTime, tr.ev.EndStreamTime = w.EndRunningTime, w.EndStreamTime
}

// end closes the open event.
func (tr *labelTrack) end(reason, source string) LabelEvent {
	ev := tr.ev
	ev.State, ev.Reason, ev.Source = EventEnded, reason, source
	tr.open, tr.run, tr.ev = false, 0, LabelEvent{}
	return ev
}

// EndAll ends every open event (end of stream, stop) and forgets every label's progress.
func (t *EventTracker) EndAll(reason, source string) []LabelEvent {
	var out []LabelEvent
	for _, l := range t.order {
		if tr := t.tracks[l]; tr.open {
			out = append(out, tr.end(reason, source))
		}
	}
	t.tracks, t.order = map[string]*labelTrack{}, nil
	return out
}

// Open lists the labels whose event is open, in the order the labels were first seen.
func (t *EventTracker) Open() []string {
	out := []string{}
	for _, l := range t.order {
		if t.tracks[l].open {
			out = append(out, l)
		}
	}
	return out
}
