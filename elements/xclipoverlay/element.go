package xclipoverlay

/*
#cgo pkg-config: gstreamer-1.0 gstreamer-base-1.0 gstreamer-video-1.0
#include <stdlib.h>
#include "overlay.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"unsafe"

	"github.com/go-gst/go-glib/glib"
	"github.com/go-gst/go-gst/gst"
	"github.com/go-gst/go-gst/gst/base"

	"github.com/xclipfilter/xclipfilter/elements/internal/gstglue"
	"github.com/xclipfilter/xclipfilter/elements/xclipfilter"
)

// padCaps are the formats drawn into: every 8-bit RGB, YUV and gray layout videoconvert commonly
// produces (xclipfilter's own seven among them).
const padCaps = "video/x-raw, format=(string){ RGB, BGR, RGBA, BGRA, ARGB, ABGR, RGBx, BGRx, xRGB, xBGR, " +
	"I420, YV12, Y42B, Y444, NV12, NV21, GRAY8 }, " +
	"width=(int)[ 1, 2147483647 ], height=(int)[ 1, 2147483647 ], framerate=(fraction)[ 0/1, 2147483647/1 ]"

// Error domains and codes for postMessage (GstStreamError / GstCoreError numbers).
const (
	domainStream = 1
	domainCore   = 3

	codeFailed = 1 // GST_*_ERROR_FAILED
	codeFormat = C.GST_STREAM_ERROR_FORMAT
)

// What gst-inspect-1.0 shows under "Events".
const eventsDoc = "reads the serialized GST_EVENT_CUSTOM_DOWNSTREAM events \"xclip\" (xclipfilter's results: the " +
	"latest is drawn) and \"xclip-event\" (label events: drawn from started to ended) and forwards every event " +
	"downstream unchanged"

// element is the Go half of one xclipoverlay element.
type element struct {
	self unsafe.Pointer // the GstBaseTransform; set in Constructed, valid for the life of this value

	mu  sync.Mutex // guards set, st
	set settings
	st  *state
}

// state lives from start to stop.
type state struct {
	shown shown // its own mutex

	// Streaming thread only.
	info   *C.GstVideoInfo
	width  int
	height int
	ncomp  int
	wsub   [3]uint // log2 of each component's subsampling
	hsub   [3]uint
	model  colorModel
	warned bool
	cache  drawing
}

// drawing is the sprite for one view, settings and caps, and where it goes: rendered again only when
// one of them changes.
type drawing struct {
	key  drawKey
	sp   *sprite
	x, y int
}

type drawKey struct {
	version       uint64
	set           settings
	width, height int
	model         colorModel
}

var _ glib.GoObjectSubclass = (*element)(nil)

func (e *element) New() glib.GoObjectSubclass { return &element{set: defaultSettings()} }

func (e *element) ClassInit(klass *glib.ObjectClass) {
	defer func() {
		if p := recover(); p != nil {
			gstglue.Log(C.xov_debug_category(), nil, C.GST_LEVEL_ERROR, "xclipoverlay",
				fmt.Sprintf("xclipoverlay: class init failed: %v", p))
		}
	}()
	k := klass.Unsafe()
	var strs gstglue.CStrings
	defer strs.Free() // GStreamer copied them
	cs := func(s string) *C.char { return (*C.char)(strs.C(s)) }
	C.xov_element_class_setup(k, cs("X-CLIP result overlay"), cs("Filter/Effect/Video"),
		cs("Draws the latest \"xclip\" result travelling downstream from xclipfilter (its best labels with "+
			"their scores) and the open \"xclip-event\" label events onto the video, in a box in a corner"),
		cs("xclipfilter developers"), cs(padCaps), cs(eventsDoc))
	C.xov_class_set_property_funcs(k)
	installProperties(k)
}

// Constructed keeps the instance pointer: go-gst v1.4.0 passes a nil self to GstBaseTransform methods.
func (e *element) Constructed(obj *glib.Object) {
	defer func() {
		if p := recover(); p != nil {
			e.log(C.GST_LEVEL_ERROR, fmt.Sprintf("constructed: %v", p))
		}
	}()
	e.self = obj.Unsafe()
	C.xov_transform_init(e.self)
}

func (e *element) log(level C.GstDebugLevel, msg string) {
	gstglue.Log(C.xov_debug_category(), e.self, int(level), "xclipoverlay", msg)
}

// postMessage posts an error (or warning) message whose text names the problem.
func (e *element) postMessage(isError bool, domain, code int, text, debugInfo string) {
	if e.self == nil {
		return
	}
	file, function, line := gstglue.Caller(1, "xclipoverlay")
	gstglue.PostMessage(e.self, isError, domain, code, text, debugInfo, file, function, line)
}

// internalError turns a recovered panic into an error message.
func (e *element) internalError(where string, p any) {
	e.postMessage(true, domainCore, codeFailed, fmt.Sprintf("xclipoverlay: internal error in %s: %v", where, p), string(debug.Stack()))
}

func (e *element) state() *state {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.st
}

// Start runs in the READY to PAUSED change: nothing is shown until a result or event arrives.
func (e *element) Start(_ *base.GstBaseTransform) (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			e.internalError("start", p)
			ok = false
		}
	}()
	st := &state{}
	st.shown.since = clockTimeNone
	e.mu.Lock()
	e.st = st
	e.mu.Unlock()
	C.xov_set_passthrough(e.self, 1)
	return true
}

// Stop runs in the PAUSED to READY change, after streaming stopped: what was shown is forgotten.
func (e *element) Stop(_ *base.GstBaseTransform) (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			e.internalError("stop", p)
			ok = false
		}
	}()
	e.mu.Lock()
	st := e.st
	e.st = nil
	e.mu.Unlock()
	if st != nil {
		C.xov_video_info_free(st.info)
	}
	return true
}

// SetCaps records the format drawn into; a format this element cannot draw into is a negotiation
// failure with an error naming it.
func (e *element) SetCaps(_ *base.GstBaseTransform, incaps, _ *gst.Caps) (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			e.internalError("set_caps", p)
			ok = false
		}
	}()
	st := e.state()
	if st == nil {
		return true
	}
	info := C.xov_video_info_from_caps((*C.GstCaps)(unsafe.Pointer(incaps.Instance())))
	if info == nil {
		e.postMessage(true, domainStream, codeFormat, "xclipoverlay: the caps are not raw video", incaps.String())
		return false
	}
	var f C.XovFormat
	C.xov_video_info_describe(info, &f)
	if f.depth8 == 0 {
		C.xov_video_info_free(info)
		e.postMessage(true, domainStream, codeFormat, "xclipoverlay: cannot draw into this format (8-bit components only)", incaps.String())
		return false
	}
	C.xov_video_info_free(st.info)
	st.info, st.width, st.height, st.ncomp = info, int(f.width), int(f.height), int(f.n_comp)
	for i := range 3 {
		st.wsub[i], st.hsub[i] = uint(f.w_sub[i]), uint(f.h_sub[i])
	}
	st.model = colorModel{yuv: f.yuv != 0}
	if st.model.yuv {
		st.model.kr, st.model.kb = float64(f.kr), float64(f.kb)
		for i := range 3 {
			st.model.offset[i], st.model.scale[i] = int(f.offset[i]), int(f.scale[i])
		}
	}
	e.log(C.GST_LEVEL_DEBUG, fmt.Sprintf("caps: format %d %dx%d, %d components, yuv %v, Kr %.4f Kb %.4f, offsets %v scales %v",
		f.format, f.width, f.height, f.n_comp, st.model.yuv, st.model.kr, st.model.kb, st.model.offset, st.model.scale))
	return true
}

// SinkEvent takes the "xclip" results and "xclip-event" label events into what is shown and forwards
// every event downstream. A result or event leaves passthrough at once, so that the next buffer is
// writable and drawn on.
func (e *element) SinkEvent(_ *base.GstBaseTransform, event *gst.Event) (ok bool) {
	ev := (*C.GstEvent)(unsafe.Pointer(event.Instance()))
	forwarded := false
	defer func() {
		if p := recover(); p != nil {
			e.internalError("sink_event", p)
			if !forwarded {
				ok = C.xov_parent_sink_event(e.self, ev) != 0
			}
		}
	}()
	if st := e.state(); st != nil && C.xov_event_type(ev) == C.GST_EVENT_CUSTOM_DOWNSTREAM {
		if s := C.xov_event_structure(ev); s != nil && e.take(st, gst.FromGstStructureUnsafe(unsafe.Pointer(s))) {
			C.xov_set_passthrough(e.self, 0)
		}
	}
	forwarded = true
	return C.xov_parent_sink_event(e.self, ev) != 0
}

// take updates what is shown from a result or label event structure; false for any other structure.
func (e *element) take(st *state, s *gst.Structure) bool {
	switch s.Name() {
	case xclipfilter.StructureName:
		r, err := xclipfilter.ParseStructure(s)
		if err != nil {
			e.log(C.GST_LEVEL_WARNING, fmt.Sprintf("ignoring an xclip structure: %v", err))
			return false
		}
		st.shown.setResult(r)
		return true
	case xclipfilter.LabelEventName:
		ev, err := xclipfilter.ParseLabelEventString(s.String())
		if err != nil {
			e.log(C.GST_LEVEL_WARNING, fmt.Sprintf("ignoring an xclip-event structure: %v", err))
			return false
		}
		st.shown.applyEvent(ev)
		return true
	}
	return false
}

// TransformIP draws what is shown onto the buffer. The streaming thread never waits: the sprite is
// rendered again only when what is shown, the settings or the caps change, and blending touches only
// the box's pixels. With nothing to draw the element goes back to passthrough.
func (e *element) TransformIP(_ *base.GstBaseTransform, buffer *gst.Buffer) (ret gst.FlowReturn) {
	defer func() {
		if p := recover(); p != nil {
			e.internalError("transform_ip", p)
			ret = gst.FlowError
		}
	}()
	st := e.state()
	if st == nil {
		return gst.FlowOK
	}
	if st.info == nil {
		return gst.FlowNotNegotiated
	}
	e.mu.Lock()
	set := e.set
	e.mu.Unlock()
	buf := (*C.GstBuffer)(unsafe.Pointer(buffer.Instance()))
	d := st.drawingAt(uint64(C.xov_buffer_running_time(e.self, buf)), set)
	passthrough := C.xov_is_passthrough(e.self) != 0
	if d.sp == nil {
		if !passthrough {
			C.xov_set_passthrough(e.self, 1)
		}
		return gst.FlowOK
	}
	if passthrough {
		// This buffer may be shared (not writable): the next one is drawn on. Only a property change
		// (show-events, top-k) gets here: results and events leave passthrough before their buffer.
		C.xov_set_passthrough(e.self, 0)
		return gst.FlowOK
	}
	cv, unmap, err := st.mapFrame(buf)
	if err != nil {
		if !st.warned {
			st.warned = true
			e.postMessage(false, domainStream, codeFormat, fmt.Sprintf("xclipoverlay: not drawing: %v", err), "")
		}
		return gst.FlowOK
	}
	defer unmap()
	blend(cv, d.sp, d.x, d.y)
	return gst.FlowOK
}

// drawingAt returns the sprite and position for the frame at running time rt.
func (st *state) drawingAt(rt uint64, set settings) *drawing {
	v := st.shown.at(rt, holdNS(set.hold))
	key := drawKey{version: v.version, set: set, width: st.width, height: st.height, model: st.model}
	if st.cache.key == key {
		return &st.cache
	}
	scale := set.fontScale
	if scale == 0 {
		scale = autoScale(st.height)
	}
	st.cache = drawing{key: key}
	img := render(v.lines(set.topK, set.showEvents), style{text: argb(set.textColor), box: argb(set.color), scale: scale})
	if img == nil {
		return &st.cache
	}
	st.cache.sp = newSprite(img, st.model)
	st.cache.x, st.cache.y = place(set.position, st.width, st.height, st.cache.sp.w, st.cache.sp.h, 4*scale)
	return &st.cache
}

// holdNS converts the hold property to nanoseconds.
func holdNS(seconds float64) uint64 { return uint64(seconds*1e9 + 0.5) }

// place puts a w×h box margin pixels from the position's corner of a width×height frame, inside the
// frame when it fits, at even coordinates so that it covers whole chroma samples.
func place(position, width, height, w, h, margin int) (x, y int) {
	x, y = margin, margin
	if position == positionTopRight || position == positionBottomRight {
		x = width - w - margin
	}
	if position == positionBottomLeft || position == positionBottomRight {
		y = height - h - margin
	}
	return max(x, 0) &^ 1, max(y, 0) &^ 1
}

// mapFrame maps buf for reading and writing (honouring its GstVideoMeta strides and offsets) as a
// canvas; unmap releases it.
func (st *state) mapFrame(buf *C.GstBuffer) (*canvas, func(), error) {
	fr := C.xov_frame_map(st.info, buf)
	if fr == nil {
		return nil, nil, errors.New("cannot map the video frame for writing")
	}
	cv := &canvas{width: st.width, height: st.height, comps: make([]component, st.ncomp)}
	for i := range cv.comps {
		c := component{
			stride: int(C.xov_frame_comp_stride(fr, C.int(i))), pstride: int(C.xov_frame_comp_pstride(fr, C.int(i))),
			width: int(C.xov_frame_comp_width(fr, C.int(i))), height: int(C.xov_frame_comp_height(fr, C.int(i))),
			wsub: st.wsub[i], hsub: st.hsub[i],
		}
		data := C.xov_frame_comp_data(fr, C.int(i))
		if data == nil || c.stride <= 0 || c.pstride <= 0 || c.width <= 0 || c.height <= 0 {
			C.xov_frame_unmap(fr)
			return nil, nil, fmt.Errorf("component %d is not mapped (stride %d, pixel stride %d)", i, c.stride, c.pstride)
		}
		c.data = unsafe.Slice((*byte)(unsafe.Pointer(data)), (c.height-1)*c.stride+(c.width-1)*c.pstride+1)
		cv.comps[i] = c
	}
	return cv, func() { C.xov_frame_unmap(fr) }, nil
}
