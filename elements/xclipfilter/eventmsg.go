package xclipfilter

/*
#include <stdlib.h>
#include "xclip.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"github.com/go-gst/go-gst/gst"
)

// Field names of the xclip-event and xclip-stats structures, allocated once.
var (
	cLabelEventName   = C.CString(LabelEventName)
	cLabel            = C.CString("label")
	cState            = C.CString("state")
	cReason           = C.CString("reason")
	cStartRunningTime = C.CString("start-running-time")
	cStartStreamTime  = C.CString("start-stream-time")
	cEndRunningTime   = C.CString("end-running-time")
	cEndStreamTime    = C.CString("end-stream-time")
	cPeakScore        = C.CString("peak-score")
	cWindows          = C.CString("windows")
	cSource           = C.CString("source")
	cStatsName        = C.CString(StatsName)
	cInferenceP50     = C.CString("inference-p50")
	cInferenceP95     = C.CString("inference-p95")
	cLastResultAge    = C.CString("last-result-age")
	cOpenEvents       = C.CString("open-events")
)

// structure builds the xclip-event message and event structure; the caller owns it. A started
// event has no end-* fields and no reason.
func (e *LabelEvent) structure() *C.GstStructure {
	s := C.xclip_structure_new(cLabelEventName)
	setString(s, cLabel, e.Label)
	setString(s, cState, e.State)
	C.xclip_set_uint64(s, cStartRunningTime, C.guint64(e.StartRunningTime))
	C.xclip_set_uint64(s, cStartStreamTime, C.guint64(e.StartStreamTime))
	if e.State == EventEnded {
		C.xclip_set_uint64(s, cEndRunningTime, C.guint64(e.EndRunningTime))
		C.xclip_set_uint64(s, cEndStreamTime, C.guint64(e.EndStreamTime))
	}
	C.xclip_set_double(s, cPeakScore, C.double(e.PeakScore))
	C.xclip_set_uint64(s, cWindows, C.guint64(e.Windows))
	setString(s, cSource, e.Source)
	if e.State == EventEnded {
		setString(s, cReason, e.Reason)
	}
	return s
}

func getString(s *C.GstStructure, field *C.char) string {
	var str *C.char
	if C.xclip_get_string(s, field, &str) != 0 && str != nil {
		return C.GoString(str)
	}
	return ""
}

func getUint64(s *C.GstStructure, field *C.char) uint64 {
	var u C.guint64
	if C.xclip_get_uint64(s, field, &u) != 0 {
		return uint64(u)
	}
	return ClockTimeNone
}

func parseLabelEvent(s *C.GstStructure) (LabelEvent, error) {
	var e LabelEvent
	if name := C.GoString(C.xclip_structure_name(s)); name != LabelEventName {
		return e, fmt.Errorf("structure %q is not an %s", name, LabelEventName)
	}
	e.Label, e.State, e.Reason, e.Source = getString(s, cLabel), getString(s, cState), getString(s, cReason), getString(s, cSource)
	if e.Label == "" || (e.State != EventStarted && e.State != EventEnded) {
		return e, errors.New("xclip-event structure without a label or a state")
	}
	e.StartRunningTime, e.StartStreamTime = getUint64(s, cStartRunningTime), getUint64(s, cStartStreamTime)
	e.EndRunningTime, e.EndStreamTime = getUint64(s, cEndRunningTime), getUint64(s, cEndStreamTime)
	if e.Windows = getUint64(s, cWindows); e.Windows == ClockTimeNone {
		e.Windows = 0
	}
	var d C.double
	if C.xclip_get_double(s, cPeakScore, &d) != 0 {
		e.PeakScore = float64(d)
	}
	return e, nil
}

// ParseLabelEventMessage reads a label event out of an "xclip-event" element message; ok is false
// for any other message.
func ParseLabelEventMessage(msg *gst.Message) (e LabelEvent, ok bool) {
	if msg == nil || msg.Type() != gst.MessageElement {
		return e, false
	}
	defer runtime.KeepAlive(msg)
	s := C.xclip_message_structure((*C.GstMessage)(unsafe.Pointer(msg.Instance())))
	if s == nil {
		return e, false
	}
	e, err := parseLabelEvent(s)
	return e, err == nil
}

// ParseLabelEventString reads a label event from its serialized structure (as gst-launch-1.0 -m
// prints it, or a custom downstream event's structure as text).
func ParseLabelEventString(text string) (LabelEvent, error) {
	cs := C.CString(text)
	defer C.free(unsafe.Pointer(cs))
	s := C.gst_structure_from_string(cs, nil)
	if s == nil {
		return LabelEvent{}, fmt.Errorf("not a GstStructure: %.80q", text)
	}
	defer C.gst_structure_free(s)
	return parseLabelEvent(s)
}

// postLabelEvents posts each event as an "xclip-event" element message.
func postLabelEvents(self unsafe.Pointer, evs []LabelEvent) {
	for i := range evs {
		s := evs[i].structure()
		C.xclip_post_structure(self, s)
		C.xclip_structure_free(s)
	}
}

// sourceOf is the source field: the source property, else the element's name.
func sourceOf(self unsafe.Pointer, source string) string {
	if source != "" {
		return source
	}
	name := C.gst_object_get_name((*C.GstObject)(self))
	defer C.g_free(C.gpointer(name))
	return C.GoString(name)
}
