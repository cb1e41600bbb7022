package xclipfilter

/*
#include <stdlib.h>
#include "xclip.h"
*/
import "C"

import (
	"math"
	"runtime"
	"sort"
	"time"
	"unsafe"

	"github.com/go-gst/go-gst/gst"
)

// StatsName names the periodic health element message (stats-interval).
const StatsName = "xclip-stats"

// statsRecent bounds the inference times that inference-p50 and inference-p95 are taken over.
const statsRecent = 256

// Stats is one "xclip-stats" message.
type Stats struct {
	Windows        uint64   // windows classified since start (with a result)
	WindowsSkipped uint64   // windows skipped since start
	InferenceP50   float64  // median inference time of the last 256 results, ms; -1 before the first
	InferenceP95   float64  // 95th percentile of the same, ms; -1 before the first
	LastResultAge  float64  // ms since the last result; -1 before the first
	OpenEvents     []string // labels whose event is open
	Source         string
	LastBufferAge  float64 // ms since the last buffer arrived; -1 before the first
	Stalled        bool    // a stall (stall-timeout) was reported and no buffer has come since
}

// tracking is the label events and health figures of a run (state.emu guards it).
type tracking struct {
	events     *EventTracker
	classified uint64
	recent     [statsRecent]float64 // inference times, ms, a ring
	nRecent    int                  // results recorded in recent, at most statsRecent
	next       int                  // where the next one goes
	lastResult time.Time
}

func (k *tracking) record(inferenceMs float64, at time.Time) {
	k.classified++
	k.recent[k.next] = inferenceMs
	k.next = (k.next + 1) % statsRecent
	k.nRecent = min(k.nRecent+1, statsRecent)
	k.lastResult = at
}

// percentile is the nearest-rank p-quantile (0 < p <= 1) of sorted, -1 when empty.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return -1
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func (k *tracking) stats(now time.Time) Stats {
	times := append([]float64(nil), k.recent[:k.nRecent]...)
	sort.Float64s(times)
	st := Stats{Windows: k.classified, InferenceP50: percentile(times, 0.5), InferenceP95: percentile(times, 0.95),
		LastResultAge: -1, OpenEvents: k.events.Open()}
	if !k.lastResult.IsZero() {
		st.LastResultAge = float64(now.Sub(k.lastResult).Microseconds()) / 1000
	}
	return st
}

func (s *Stats) structure() *C.GstStructure {
	cs := C.xclip_structure_new(cStatsName)
	C.xclip_set_uint64(cs, cWindows, C.guint64(s.Windows))
	C.xclip_set_uint64(cs, cWindowsSkipped, C.guint64(s.WindowsSkipped))
	C.xclip_set_double(cs, cInferenceP50, C.double(s.InferenceP50))
	C.xclip_set_double(cs, cInferenceP95, C.double(s.InferenceP95))
	C.xclip_set_double(cs, cLastResultAge, C.double(s.LastResultAge))
	setStrings(cs, cOpenEvents, s.OpenEvents)
	setString(cs, cSource, s.Source)
	C.xclip_set_double(cs, cLastBufAge, C.double(s.LastBufferAge))
	C.xclip_set_bool(cs, cStalled, boolC(s.Stalled))
	return cs
}

// ParseStatsMessage reads an "xclip-stats" element message; ok is false for any other message.
func ParseStatsMessage(msg *gst.Message) (s Stats, ok bool) {
	if msg == nil || msg.Type() != gst.MessageElement {
		return s, false
	}
	defer runtime.KeepAlive(msg)
	cs := C.xclip_message_structure((*C.GstMessage)(unsafe.Pointer(msg.Instance())))
	if cs == nil || C.GoString(C.xclip_structure_name(cs)) != StatsName {
		return s, false
	}
	s.Windows, s.WindowsSkipped = getUint64(cs, cWindows), getUint64(cs, cWindowsSkipped)
	for _, f := range []struct {
		name *C.char
		dst  *float64
	}{{cInferenceP50, &s.InferenceP50}, {cInferenceP95, &s.InferenceP95}, {cLastResultAge, &s.LastResultAge}} {
		var d C.double
		if C.xclip_get_double(cs, f.name, &d) == 0 {
			return s, false
		}
		*f.dst = float64(d)
	}
	var okEv bool
	if s.OpenEvents, okEv = getStrings(cs, cOpenEvents); !okEv {
		return s, false
	}
	s.Source = getString(cs, cSource)
	var age C.double
	if C.xclip_get_double(cs, cLastBufAge, &age) != 0 {
		s.LastBufferAge = float64(age)
	}
	var stalled C.gboolean
	if C.xclip_get_bool(cs, cStalled, &stalled) != 0 {
		s.Stalled = stalled != 0
	}
	return s, true
}

// wakeStats tells the stats goroutine that stats-interval changed.
func (st *state) wakeStats() {
	select {
	case st.statsWake <- struct{}{}:
	default:
	}
}

// statsLoop posts "xclip-stats" every stats-interval seconds until the state shuts down. It runs on
// its own goroutine, so that the streaming thread never waits for it, and posts through the weak
// reference (nothing once the element is finalized; nothing after stop, which waits for it).
func (f *filter) statsLoop(st *state) {
	defer st.statsWG.Done()
	defer func() {
		if p := recover(); p != nil {
			f.internalError("stats", p)
		}
	}()
	for {
		f.mu.Lock()
		interval := f.set.statsInterval
		f.mu.Unlock()
		var tick <-chan time.Time
		var timer *time.Timer
		if interval > 0 {
			timer = time.NewTimer(time.Duration(interval * float64(time.Second)))
			tick = timer.C
		}
		select {
		case <-st.statsStop:
			if timer != nil {
				timer.Stop()
			}
			return
		case <-st.statsWake:
			if timer != nil {
				timer.Stop()
			}
		case <-tick:
			f.postStats(st)
		}
	}
}

func (f *filter) postStats(st *state) {
	st.emu.Lock()
	now := time.Now()
	s := st.track.stats(now)
	st.emu.Unlock()
	s.WindowsSkipped = st.eng.Skipped()
	s.LastBufferAge, s.Stalled = st.stall.lastBufferAge(now), st.stall.stalled.Load()
	f.mu.Lock()
	source := f.set.source
	f.mu.Unlock()
	f.withSelf(func(self unsafe.Pointer) {
		s.Source = sourceOf(self, source)
		cs := s.structure()
		C.xclip_post_structure(self, cs)
		C.xclip_structure_free(cs)
	})
}
