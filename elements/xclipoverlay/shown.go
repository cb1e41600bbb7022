package xclipoverlay

import (
	"fmt"
	"math"
	"sort"
	"sync"

	"github.com/xclipfilter/xclipfilter/elements/xclipfilter"
)

const clockTimeNone = xclipfilter.ClockTimeNone

// shown is what the overlay shows, as the results and label events travelling downstream leave it:
// the latest result and the open label events. Its own mutex: events arrive on the streaming thread,
// and nothing else takes it for longer than a copy.
type shown struct {
	mu      sync.Mutex
	result  *xclipfilter.Result
	since   uint64                   // running time of the first frame drawn with result; clockTimeNone until then
	events  []xclipfilter.LabelEvent // open, in the order they started
	version uint64                   // changes with every change of what is shown
}

// setResult shows r from the next frame on, in place of the result before.
func (s *shown) setResult(r xclipfilter.Result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.result, s.since = &r, clockTimeNone
	s.version++
}

// applyEvent opens ev's label event when it started (a second start of the same label and source
// replaces the first) and closes it when it ended.
func (s *shown) applyEvent(ev xclipfilter.LabelEvent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	kept := s.events[:0]
	for _, e := range s.events {
		if e.Label != ev.Label || e.Source != ev.Source {
			kept = append(kept, e)
		}
	}
	s.events = kept
	if ev.State == xclipfilter.EventStarted {
		s.events = append(s.events, ev)
	}
	s.version++
}

// view is what one frame shows.
type view struct {
	result  *xclipfilter.Result
	events  []xclipfilter.LabelEvent
	version uint64
}

// at returns what the frame at running time rt shows: a result stays for hold nanoseconds of running
// time from the first frame that showed it (0: until the next one; a frame without a running time
// neither starts nor ends the hold, and one before the start, after a flush, starts it again).
func (s *shown) at(rt, hold uint64) view {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.result != nil && rt != clockTimeNone {
		if s.since == clockTimeNone || rt < s.since { // first shown, or running time restarted (flush)
			s.since = rt
		} else if hold > 0 && rt-s.since >= hold {
			s.result = nil
			s.version++
		}
	}
	return view{result: s.result, events: append([]xclipfilter.LabelEvent(nil), s.events...), version: s.version}
}

// lines are the view's lines: the result's topK best labels with their scores (from its scores of
// every label, so that top-k here may exceed xclipfilter's), then, with events, every open event.
func (v *view) lines(topK int, events bool) []line {
	var out []line
	if r := v.result; r != nil && topK > 0 {
		labels, scores := r.Labels, r.Scores
		if len(labels) == 0 || len(labels) != len(scores) {
			labels, scores = r.TopLabels, r.TopScores // a structure with the top fields only
		}
		var order []int // the labels with a score (NaN has none: it would also break the sort's order)
		for i := range min(len(labels), len(scores)) {
			if !math.IsNaN(scores[i]) {
				order = append(order, i)
			}
		}
		sort.SliceStable(order, func(a, b int) bool { return scores[order[a]] > scores[order[b]] })
		for _, i := range order[:min(topK, len(order))] {
			out = append(out, line{text: fmt.Sprintf("%.2f %s", scores[i], labels[i]), bar: scores[i]})
		}
	}
	if events {
		for _, e := range v.events {
			text := fmt.Sprintf("%s %.2f", e.Label, e.PeakScore)
			if t := startTime(e); t != clockTimeNone {
				text += " since " + hms(t)
			}
			out = append(out, line{text: text, bar: -1, marker: true})
		}
	}
	return out
}

// startTime is the event's start as stream time, else running time.
func startTime(e xclipfilter.LabelEvent) uint64 {
	if e.StartStreamTime != clockTimeNone {
		return e.StartStreamTime
	}
	return e.StartRunningTime
}

// hms formats nanoseconds as HH:MM:SS.
func hms(ns uint64) string {
	s := ns / 1e9
	return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60)
}
