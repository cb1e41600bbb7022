package xclipfilter

/*
#include <stdlib.h>
#include "xclip.h"
*/
import "C"

import (
	"fmt"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/xclipfilter/xclipfilter/elements/internal/gstglue"
)

// Stall detection.
//
// A camera whose server freezes, or a network that silently drops packets, leaves a live pipeline
// PLAYING with no buffers: nothing errors, and without a watchdog nobody notices that the camera is
// no longer watched. With stall-timeout set, a goroutine (never the streaming thread) checks how long
// ago the last buffer arrived while the element is PLAYING; past the timeout it posts a GStreamer
// WARNING and an "xclip-stalled" element message once, and an "xclip-resumed" message when buffers
// come back. Time spent inside the element itself (blocking=true waiting for inference) is not a
// stall, nor is the time after EOS or in PAUSED.

// StalledName and ResumedName name the element messages of a stall's start and end.
const (
	StalledName = "xclip-stalled"
	ResumedName = "xclip-resumed"
)

// defaultStallTimeout (ms) reports a source silent for 10 s: long enough for an RTSP camera to
// connect and for a slow network's hiccups, short enough that an operator learns of a dead camera
// quickly.
const defaultStallTimeout = 10000

var (
	cStalledName  = C.CString(StalledName)
	cResumedName  = C.CString(ResumedName)
	cStalledFor   = C.CString("stalled-for")
	cStallTimeout = C.CString("stall-timeout")
	cStalled      = C.CString("stalled")
	cLastBufAge   = C.CString("last-buffer-age")
)

// stallWatch is what the streaming thread tells the watchdog; all atomics (no lock on the streaming
// thread).
type stallWatch struct {
	lastBuffer  atomic.Int64 // unix ns of the last buffer's arrival; 0 before the first
	inTransform atomic.Int32 // > 0 while the streaming thread is inside TransformIP
	eos         atomic.Bool  // EOS seen (until a flush or a new stream): no stall after the end
	stalled     atomic.Bool  // a stall has been reported and buffers have not come back
	wake        chan struct{}
}

// enter and leave bracket TransformIP: a buffer arrived, and the element itself may hold the thread.
func (w *stallWatch) enter() {
	w.inTransform.Add(1)
	w.lastBuffer.Store(time.Now().UnixNano())
}

func (w *stallWatch) leave() {
	w.lastBuffer.Store(time.Now().UnixNano())
	w.inTransform.Add(-1)
}

// lastBufferAge is the ms since the last buffer, -1 before the first.
func (w *stallWatch) lastBufferAge(now time.Time) float64 {
	last := w.lastBuffer.Load()
	if last == 0 {
		return -1
	}
	return float64(now.UnixNano()-last) / 1e6
}

// wakeStall tells the watchdog that stall-timeout changed.
func (st *state) wakeStall() {
	select {
	case st.stall.wake <- struct{}{}:
	default:
	}
}

// stallTick is how often the watchdog looks: a fifth of the timeout, between 50 ms and 1 s.
func stallTick(timeout time.Duration) time.Duration {
	return min(max(timeout/5, 50*time.Millisecond), time.Second)
}

// stallLoop is the watchdog goroutine; it ends when the state shuts down (statsStop).
func (f *filter) stallLoop(st *state) {
	defer st.statsWG.Done()
	defer func() {
		if p := recover(); p != nil {
			f.internalError("stall watchdog", p)
		}
	}()
	w := &st.stall
	var since time.Time // when the element was last seen entering PLAYING (or after EOS ended)
	playing := false
	for {
		f.mu.Lock()
		timeout := time.Duration(f.set.stallTimeout) * time.Millisecond
		f.mu.Unlock()
		var tick <-chan time.Time
		var timer *time.Timer
		if timeout > 0 {
			timer = time.NewTimer(stallTick(timeout))
			tick = timer.C
		}
		select {
		case <-st.statsStop:
			if timer != nil {
				timer.Stop()
			}
			return
		case <-w.wake:
			if timer != nil {
				timer.Stop()
			}
			since = time.Now() // a new timeout counts from now
			continue
		case <-tick:
		}
		now := time.Now()
		nowPlaying := false
		f.withSelf(func(self unsafe.Pointer) { nowPlaying = gstglue.ElementState(self) == C.GST_STATE_PLAYING })
		if !nowPlaying || w.eos.Load() {
			playing = false
			continue
		}
		if !playing {
			playing, since = true, now
		}
		last := time.Unix(0, w.lastBuffer.Load())
		if last.Before(since) {
			last = since
		}
		if w.inTransform.Load() > 0 {
			last = now
		}
		silent := now.Sub(last)
		switch {
		case silent >= timeout && !w.stalled.Load():
			w.stalled.Store(true)
			f.postStall(true, silent, timeout)
		case silent < timeout && w.stalled.Load():
			w.stalled.Store(false)
			f.postStall(false, silent, timeout)
		}
	}
}

// postStall reports a stall (a warning and "xclip-stalled") or its end ("xclip-resumed").
func (f *filter) postStall(stalled bool, silent, timeout time.Duration) {
	f.mu.Lock()
	source := f.set.source
	f.mu.Unlock()
	ms := float64(silent.Microseconds()) / 1000
	if stalled {
		msg := fmt.Sprintf("no video for %.1f s (stall-timeout %d ms): the source has stopped delivering frames",
			silent.Seconds(), timeout.Milliseconds())
		f.log(C.GST_LEVEL_WARNING, msg)
		f.postMessage(false, domainStream, codeFailed, msg, "")
	} else {
		f.log(C.GST_LEVEL_INFO, "video resumed after a stall")
	}
	name := cResumedName
	if stalled {
		name = cStalledName
	}
	f.withSelf(func(self unsafe.Pointer) {
		cs := C.xclip_structure_new(name)
		C.xclip_set_double(cs, cStalledFor, C.double(ms))
		C.xclip_set_uint64(cs, cStallTimeout, C.guint64(timeout.Milliseconds()))
		setString(cs, cSource, sourceOf(self, source))
		C.xclip_post_structure(self, cs)
		C.xclip_structure_free(cs)
	})
}
