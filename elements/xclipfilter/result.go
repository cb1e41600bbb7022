package xclipfilter

/*
#include <stdlib.h>
#include "xclip.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"unsafe"

	"github.com/go-gst/go-gst/gst"

	"github.com/xclipfilter/xclipfilter/engine"
)

// StructureName names the bus message, the custom downstream event and the region-of-interest param
// structure.
const StructureName = "xclip"

// ClockTimeNone is GST_CLOCK_TIME_NONE (the value of gst.ClockTimeNone): a time the window does not
// have. It is the one convention for unknown times in Go (engine.ClockTimeNone); the structures carry
// the same value, and JSON (print=json) writes null.
const ClockTimeNone = engine.ClockTimeNone

// Result is one classified window, as the element posts it (message), pushes it (event) and gives it
// to a Go callback (SetResultCallback): the engine's result, one type from inference to the
// application. TopLabels and TopScores hold the top-k labels at or above threshold, Source the source
// property (else the element's name); Err is never set on a result the element delivers.
type Result = engine.Result

// LabelsReadyName names the element message posted when a label set is encoded and in use, with
// fields count (guint64) and encode-time (double, ms).
const LabelsReadyName = "xclip-labels"

// Field names, allocated once.
var (
	cName           = C.CString(StructureName)
	cWindow         = C.CString("window")
	cLabels         = C.CString("labels")
	cLogits         = C.CString("logits")
	cScores         = C.CString("scores")
	cTopLabel       = C.CString("top-label")
	cTopScore       = C.CString("top-score")
	cTopLabels      = C.CString("top-labels")
	cTopScores      = C.CString("top-scores")
	cWindowStart    = C.CString("window-start")
	cWindowEnd      = C.CString("window-end")
	cRunningTime    = C.CString("running-time")
	cStreamTime     = C.CString("stream-time")
	cInferenceTime  = C.CString("inference-time")
	cWindowsSkipped = C.CString("windows-skipped")
	cFinal          = C.CString("final")
	cBatch          = C.CString("batch")
	cLabelsReady    = C.CString(LabelsReadyName)
	cCount          = C.CString("count")
	cEncodeTime     = C.CString("encode-time")
)

func setString(s *C.GstStructure, field *C.char, v string) {
	cs := C.CString(v)
	C.xclip_set_string(s, field, cs)
	C.free(unsafe.Pointer(cs))
}

func setStrings(s *C.GstStructure, field *C.char, v []string) {
	n := len(v)
	arr := (**C.char)(C.malloc(C.size_t(max(n, 1)) * C.size_t(unsafe.Sizeof((*C.char)(nil)))))
	items := unsafe.Slice(arr, max(n, 1))
	for i, x := range v {
		items[i] = C.CString(x)
	}
	C.xclip_set_string_array(s, field, arr, C.int(n))
	for i := range n {
		C.free(unsafe.Pointer(items[i]))
	}
	C.free(unsafe.Pointer(arr))
}

func setDoubles(s *C.GstStructure, field *C.char, v []float64) {
	n := len(v)
	arr := (*C.double)(C.malloc(C.size_t(max(n, 1)) * 8))
	copy(unsafe.Slice((*float64)(unsafe.Pointer(arr)), max(n, 1)), v)
	C.xclip_set_double_array(s, field, arr, C.int(n))
	C.free(unsafe.Pointer(arr))
}

func boolC(b bool) C.gboolean {
	if b {
		return 1
	}
	return 0
}

// structure builds the message and event structure; the caller owns it.
func resultStructure(r *Result) *C.GstStructure {
	s := C.xclip_structure_new(cName)
	C.xclip_set_uint64(s, cWindow, C.guint64(r.Window))
	setStrings(s, cLabels, r.Labels)
	setDoubles(s, cLogits, r.Logits)
	setDoubles(s, cScores, r.Scores)
	setString(s, cTopLabel, r.TopLabel)
	C.xclip_set_double(s, cTopScore, C.double(r.TopScore))
	setStrings(s, cTopLabels, r.TopLabels)
	setDoubles(s, cTopScores, r.TopScores)
	C.xclip_set_uint64(s, cWindowStart, C.guint64(r.WindowStart))
	C.xclip_set_uint64(s, cWindowEnd, C.guint64(r.WindowEnd))
	C.xclip_set_uint64(s, cRunningTime, C.guint64(r.RunningTime))
	C.xclip_set_uint64(s, cStreamTime, C.guint64(r.StreamTime))
	C.xclip_set_double(s, cInferenceTime, C.double(r.InferenceTime))
	C.xclip_set_uint64(s, cWindowsSkipped, C.guint64(r.WindowsSkipped))
	C.xclip_set_uint64(s, cBatch, C.guint64(r.Batch))
	C.xclip_set_bool(s, cFinal, boolC(r.Final))
	setString(s, cSource, r.Source)
	return s
}

// roiStructure is the region-of-interest param: the window it describes and its top labels.
func roiStructure(r *Result) *C.GstStructure {
	s := C.xclip_structure_new(cName)
	C.xclip_set_uint64(s, cWindow, C.guint64(r.Window))
	setString(s, cTopLabel, r.TopLabel)
	C.xclip_set_double(s, cTopScore, C.double(r.TopScore))
	setStrings(s, cTopLabels, r.TopLabels)
	setDoubles(s, cTopScores, r.TopScores)
	C.xclip_set_uint64(s, cWindowStart, C.guint64(r.WindowStart))
	C.xclip_set_uint64(s, cWindowEnd, C.guint64(r.WindowEnd))
	return s
}

// ParseMessage reads the result out of an element message from xclipfilter; ok is false for any other
// message.
func ParseMessage(msg *gst.Message) (r Result, ok bool) {
	if msg == nil || msg.Type() != gst.MessageElement {
		return r, false
	}
	defer runtime.KeepAlive(msg) // its finalizer must not free the structure while it is read
	s := C.xclip_message_structure((*C.GstMessage)(unsafe.Pointer(msg.Instance())))
	if s == nil {
		return r, false
	}
	r, err := parseStructure(s)
	return r, err == nil
}

// ParseEvent reads the result out of xclipfilter's custom downstream event; ok is false for any other
// event.
func ParseEvent(ev *gst.Event) (r Result, ok bool) {
	if ev == nil || ev.Type() != gst.EventTypeCustomDownstream {
		return r, false
	}
	defer runtime.KeepAlive(ev)
	s := C.xclip_event_structure((*C.GstEvent)(unsafe.Pointer(ev.Instance())))
	if s == nil {
		return r, false
	}
	r, err := parseStructure(s)
	return r, err == nil
}

// ParseStructure reads a result structure (message, event, or the region-of-interest param, which
// has the window and top fields only).
func ParseStructure(s *gst.Structure) (Result, error) {
	if s == nil {
		return Result{}, errors.New("no structure")
	}
	defer runtime.KeepAlive(s)
	return parseStructure((*C.GstStructure)(unsafe.Pointer(s.Instance())))
}

// ParseString reads a result from its serialized form, as gst-launch-1.0 -m prints it (everything
// from the structure name on).
func ParseString(text string) (Result, error) {
	cs := C.CString(text)
	defer C.free(unsafe.Pointer(cs))
	s := C.gst_structure_from_string(cs, nil)
	if s == nil {
		return Result{}, fmt.Errorf("not a GstStructure: %.80q", text)
	}
	defer C.gst_structure_free(s)
	return parseStructure(s)
}

func getStrings(s *C.GstStructure, field *C.char) ([]string, bool) {
	n := int(C.xclip_get_array_size(s, field))
	if n < 0 {
		return nil, false
	}
	out := make([]string, n)
	for i := range n {
		v := C.xclip_get_array_string(s, field, C.int(i))
		if v == nil {
			return nil, false
		}
		out[i] = C.GoString(v)
	}
	return out, true
}

func getDoubles(s *C.GstStructure, field *C.char) ([]float64, bool) {
	n := int(C.xclip_get_array_size(s, field))
	if n < 0 {
		return nil, false
	}
	out := make([]float64, n)
	for i := range n {
		var d C.double
		if C.xclip_get_array_double(s, field, C.int(i), &d) == 0 {
			return nil, false
		}
		out[i] = float64(d)
	}
	return out, true
}

func parseStructure(s *C.GstStructure) (Result, error) {
	var r Result
	if name := C.GoString(C.xclip_structure_name(s)); name != StructureName {
		return r, fmt.Errorf("structure %q is not an xclip result", name)
	}
	var u C.guint64
	var d C.double
	var b C.gboolean
	var str *C.char
	u64 := func(field *C.char, dst *uint64) {
		if C.xclip_get_uint64(s, field, &u) != 0 {
			*dst = uint64(u)
		} else {
			*dst = ClockTimeNone
		}
	}
	u64(cWindow, &r.Window)
	u64(cWindowStart, &r.WindowStart)
	u64(cWindowEnd, &r.WindowEnd)
	u64(cRunningTime, &r.RunningTime)
	u64(cStreamTime, &r.StreamTime)
	u64(cWindowsSkipped, &r.WindowsSkipped)
	r.StartRunningTime, r.StartStreamTime = ClockTimeNone, ClockTimeNone // not in the structure
	var batch uint64
	if u64(cBatch, &batch); batch != ClockTimeNone {
		r.Batch = int(batch)
	}
	if r.Window == ClockTimeNone {
		return r, errors.New("xclip structure without a window field")
	}
	if r.WindowsSkipped == ClockTimeNone {
		r.WindowsSkipped = 0
	}
	if C.xclip_get_string(s, cTopLabel, &str) != 0 && str != nil {
		r.TopLabel = C.GoString(str)
	}
	if C.xclip_get_double(s, cTopScore, &d) != 0 {
		r.TopScore = float64(d)
	} else {
		r.TopScore = math.NaN()
	}
	if C.xclip_get_double(s, cInferenceTime, &d) != 0 {
		r.InferenceTime = float64(d)
	}
	if C.xclip_get_bool(s, cFinal, &b) != 0 {
		r.Final = b != 0
	}
	r.Source = getString(s, cSource)
	r.Labels, _ = getStrings(s, cLabels)
	r.Logits, _ = getDoubles(s, cLogits)
	r.Scores, _ = getDoubles(s, cScores)
	r.TopLabels, _ = getStrings(s, cTopLabels)
	r.TopScores, _ = getDoubles(s, cTopScores)
	return r, nil
}
