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
	"sort"
	"unsafe"

	"github.com/go-gst/go-gst/gst"

	"github.com/xclipfilter/xclipfilter/engine"
)

// StructureName names the bus message, the custom downstream event and the region-of-interest param
// structure.
const StructureName = "xclip"

// ClockTimeNone is GST_CLOCK_TIME_NONE: a time the window does not have.
const ClockTimeNone = ^uint64(0)

// Result is one classified window, as the element posts it (message), pushes it (event) and gives it
// to a Go callback (SetResultCallback).
type Result struct {
	Window    uint64    // windows cut since the element started, counting from 1 (skipped ones included)
	Labels    []string  // every label, in the order given
	Logits    []float64 // the window's logits_per_video row, in label order
	Scores    []float64 // softmax of Logits
	TopLabel  string
	TopScore  float64
	TopLabels []string  // the top-k labels whose score is at least threshold, best first (maybe none)
	TopScores []float64 // their scores
	// WindowStart and WindowEnd are the PTS of the first and last frame of the window; RunningTime and
	// StreamTime are the last frame's. Nanoseconds; ClockTimeNone when unknown.
	WindowStart, WindowEnd, RunningTime, StreamTime uint64
	InferenceTime                                   float64 // milliseconds, from the window reaching inference to its result
	WindowsSkipped                                  uint64  // windows skipped since the element started because inference was busy
	Final                                           bool    // the window finished at end of stream
	Source                                          string  // the source property, else the element's name
	// Batch is the number of windows (of this and other elements sharing the model) in the forward pass
	// that classified this one.
	Batch uint64
}

func clockTime(t int64) uint64 {
	if t < 0 {
		return ClockTimeNone
	}
	return uint64(t)
}

// newResult turns an engine result into the element's, with the top-k labels at or above threshold.
func newResult(r engine.Result, topK int, threshold float64) Result {
	res := Result{
		Window: r.Window, Labels: append([]string(nil), r.Labels...), TopLabel: r.TopLabel,
		TopScore:    float64(r.TopScore),
		WindowStart: clockTime(r.WindowStart), WindowEnd: clockTime(r.WindowEnd),
		RunningTime: clockTime(r.RunningTime), StreamTime: clockTime(r.StreamTime),
		InferenceTime:  float64(r.InferenceTime.Nanoseconds()) / 1e6,
		WindowsSkipped: r.WindowsSkipped, Final: r.Final, Batch: uint64(r.Batch),
	}
	res.Logits = make([]float64, len(r.Logits))
	for i, v := range r.Logits {
		res.Logits[i] = float64(v)
	}
	res.Scores = make([]float64, len(r.Scores))
	for i, v := range r.Scores {
		res.Scores[i] = float64(v)
	}
	order := make([]int, len(res.Scores))
	for i := range order {
		order[i] = i
	}
	// The engine drops non-finite results; still, every comparison here is written so that NaN fails
	// it: a NaN score sorts last and never reaches top-labels, a NaN threshold admits nothing.
	sort.SliceStable(order, func(a, b int) bool { return before(res.Scores[order[a]], res.Scores[order[b]]) })
	res.TopLabels, res.TopScores = []string{}, []float64{}
	for _, i := range order {
		if len(res.TopLabels) >= topK || !(res.Scores[i] >= threshold) {
			break
		}
		res.TopLabels = append(res.TopLabels, res.Labels[i])
		res.TopScores = append(res.TopScores, res.Scores[i])
	}
	return res
}

// before orders scores best first, NaN last.
func before(a, b float64) bool { return a > b || (math.IsNaN(b) && !math.IsNaN(a)) }

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
func (r *Result) structure() *C.GstStructure {
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
func (r *Result) roiStructure() *C.GstStructure {
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
	u64(cBatch, &r.Batch)
	if r.Window == ClockTimeNone {
		return r, errors.New("xclip structure without a window field")
	}
	if r.WindowsSkipped == ClockTimeNone {
		r.WindowsSkipped = 0
	}
	if r.Batch == ClockTimeNone {
		r.Batch = 0
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
