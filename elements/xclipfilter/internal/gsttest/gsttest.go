// Package gsttest holds C probes for the xclipfilter tests: what arrives at a sink pad and when (with
// no Go callback on the streaming thread, so that what the tests measure is the element's), buffers
// rewritten with padded strides and a GstVideoMeta, and latency queries.
package gsttest

/*
#cgo pkg-config: gstreamer-1.0 gstreamer-video-1.0
#include <stdlib.h>
#include "gsttest.h"
*/
import "C"

import (
	"errors"
	"strings"
	"unsafe"

	"github.com/go-gst/go-gst/gst"
)

// Kind is what a Record saw.
type Kind int

const (
	Buffer Kind = C.GSTTEST_BUFFER
	Event  Kind = C.GSTTEST_XCLIP_EVENT // an "xclip" custom downstream event
	EOS    Kind = C.GSTTEST_EOS
	// OtherEvent is a custom downstream event whose structure name starts with "xclip" but is not
	// "xclip" (e.g. "xclip-event").
	OtherEvent Kind = C.GSTTEST_OTHER_XCLIP_EVENT
)

// None is GST_CLOCK_TIME_NONE.
const None = ^uint64(0)

// Record is one buffer or event, in arrival order.
type Record struct {
	Kind             Kind
	PTS, Duration    uint64
	PTSRunning       uint64 // running time of PTS in the pad's segment
	ArrivalRunning   uint64 // pipeline clock running time at arrival (None without a clock)
	WallMicroseconds int64  // monotonic clock at arrival
	Flags            uint
	Size             int      // buffer bytes
	Event            string   // Event: the structure, serialized
	ROI              []string // Buffer: the "xclip" ROI meta params, serialized
}

// Collector records what reaches a pad.
type Collector struct{ c *C.GsttestCollector }

// Collect starts recording the buffers, xclip events and EOS reaching element's pad.
func Collect(element *gst.Element, pad string) (*Collector, error) {
	cs := C.CString(pad)
	defer C.free(unsafe.Pointer(cs))
	c := C.gsttest_collect((*C.GstElement)(unsafe.Pointer(element.Instance())), cs)
	if c == nil {
		return nil, errors.New("gsttest: no pad " + pad)
	}
	return &Collector{c}, nil
}

// Records returns what arrived so far.
func (c *Collector) Records() []Record {
	n := int(C.gsttest_count(c.c))
	out := make([]Record, 0, n)
	for i := range n {
		var r C.GsttestRecord
		if C.gsttest_record(c.c, C.int(i), &r) == 0 {
			break
		}
		rec := Record{
			Kind: Kind(r.kind), PTS: uint64(r.pts), Duration: uint64(r.duration), PTSRunning: uint64(r.pts_running),
			ArrivalRunning: uint64(r.arrival_running), WallMicroseconds: int64(r.wall_us), Flags: uint(r.flags), Size: int(r.size),
		}
		text := ""
		if r.text != nil {
			text = C.GoString(r.text)
		}
		switch rec.Kind {
		case Event, OtherEvent:
			rec.Event = text
		case Buffer:
			if text != "" {
				rec.ROI = strings.Split(text, "\n")
			}
		}
		out = append(out, rec)
	}
	return out
}

// Free removes the probe and frees the records.
func (c *Collector) Free() {
	if c.c != nil {
		C.gsttest_free(c.c)
		c.c = nil
	}
}

// PadBuffers rewrites the buffers leaving element's pad: each plane's stride grows by extraStride
// bytes and planes start after gap bytes, as described by a GstVideoMeta.
func PadBuffers(element *gst.Element, pad string, extraStride, gap int) error {
	cs := C.CString(pad)
	defer C.free(unsafe.Pointer(cs))
	if C.gsttest_pad_buffers((*C.GstElement)(unsafe.Pointer(element.Instance())), cs, C.int(extraStride), C.int(gap)) == 0 {
		return errors.New("gsttest: no pad " + pad)
	}
	return nil
}

// Latency queries element (a pipeline, say) for its latency.
func Latency(element *gst.Element) (live bool, min, max uint64, ok bool) {
	var l C.gboolean
	var mn, mx C.guint64
	if C.gsttest_query_latency((*C.GstElement)(unsafe.Pointer(element.Instance())), &l, &mn, &mx) == 0 {
		return false, 0, 0, false
	}
	return l != 0, uint64(mn), uint64(mx), true
}

// What Inject does.
const (
	MarkDiscont = C.GSTTEST_MARK_DISCONT // set DISCONT on the buffer
	MarkGap     = C.GSTTEST_MARK_GAP     // set GAP on the buffer
	GapEvent    = C.GSTTEST_GAP_EVENT    // replace the buffer by a GAP event
)

// Inject alters the index-th buffer (from 0) leaving element's pad.
func Inject(element *gst.Element, pad string, index int, what int) error {
	cs := C.CString(pad)
	defer C.free(unsafe.Pointer(cs))
	if C.gsttest_inject((*C.GstElement)(unsafe.Pointer(element.Instance())), cs, C.int(index), C.int(what)) == 0 {
		return errors.New("gsttest: no pad " + pad)
	}
	return nil
}
