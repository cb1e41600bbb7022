package xclipmetapublish

/*
#cgo pkg-config: gstreamer-1.0 gstreamer-base-1.0
#include <stdlib.h>
#include "publish.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/go-gst/go-glib/glib"
	"github.com/go-gst/go-gst/gst"
	"github.com/go-gst/go-gst/gst/base"

	"github.com/xclipfilter/xclipfilter/elements/internal/gstglue"
)

// Error domains and codes for postMessage (GstResourceError / GstStreamError / GstCoreError numbers).
const (
	domainResource = 0
	domainStream   = 1
	domainCore     = 3

	codeFailed       = 1 // GST_*_ERROR_FAILED
	codeSettings     = C.GST_RESOURCE_ERROR_SETTINGS
	codeOpenWrite    = C.GST_RESOURCE_ERROR_OPEN_WRITE
	codeWrite        = C.GST_RESOURCE_ERROR_WRITE
	codeStreamFormat = C.GST_STREAM_ERROR_FORMAT
)

// What gst-inspect-1.0 shows under "Events".
const eventsDoc = "consumes every serialized GST_EVENT_CUSTOM_DOWNSTREAM event whose structure name starts with " +
	"\"xclip\" (xclipfilter's \"xclip\" results, \"xclip-event\" label events) and forwards it downstream unchanged"

// stopTimeout bounds how long stop waits for the queued documents to be published (and, with MQTT,
// acknowledged) before it gives up on them.
const stopTimeout = 10 * time.Second

// element is the Go half of one xclipmetapublish element.
type element struct {
	self unsafe.Pointer // the GstBaseTransform; set in Constructed, valid for the life of this value

	mu  sync.Mutex // guards set, st
	set settings
	st  *state

	counts        counters    // published, dropped: since the last start
	invalidWarned atomic.Bool // a warning message was posted for a document that is not valid JSON
}

// state lives from start to stop.
type state struct {
	pub    *publisher
	source string // the source property ("" = each structure's own, else name)
	name   string // the element's name
}

var _ glib.GoObjectSubclass = (*element)(nil)

func (e *element) New() glib.GoObjectSubclass { return &element{set: defaultSettings()} }

func (e *element) ClassInit(klass *glib.ObjectClass) {
	defer func() {
		if p := recover(); p != nil {
			gstglue.Log(C.xmp_debug_category(), nil, C.GST_LEVEL_ERROR, "xclipmetapublish",
				fmt.Sprintf("xclipmetapublish: class init failed: %v", p))
		}
	}()
	k := klass.Unsafe()
	var strs gstglue.CStrings
	defer strs.Free() // GStreamer copied them
	cs := func(s string) *C.char { return (*C.char)(strs.C(s)) }
	C.xmp_element_class_setup(k, cs("X-CLIP result publisher"), cs("Filter/Metadata"),
		cs("Publishes the \"xclip\" results (and \"xclip-*\" events) travelling downstream from xclipfilter "+
			"as JSON to an MQTT broker or to a file; buffers pass through untouched"),
		cs("xclipfilter developers"), cs(eventsDoc))
	C.xmp_class_set_property_funcs(k)
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
	C.xmp_transform_init(e.self)
}

func (e *element) log(level C.GstDebugLevel, msg string) {
	gstglue.Log(C.xmp_debug_category(), e.self, int(level), "xclipmetapublish", msg)
}

// postMessage posts an error (or warning) message whose text names the problem.
func (e *element) postMessage(isError bool, domain, code int, text, debugInfo string) {
	if e.self == nil {
		return
	}
	file, function, line := gstglue.Caller(1, "xclipmetapublish")
	gstglue.PostMessage(e.self, isError, domain, code, text, debugInfo, file, function, line)
}

// internalError turns a recovered panic into an error message.
func (e *element) internalError(where string, p any) {
	e.postMessage(true, domainCore, codeFailed, fmt.Sprintf("xclipmetapublish: internal error in %s: %v", where, p), string(debug.Stack()))
}

func (e *element) warn(code int, text string) {
	e.log(C.GST_LEVEL_WARNING, text)
	e.postMessage(false, domainResource, code, text, "")
}

func (e *element) state() *state {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.st
}

func (e *element) name() string {
	n := C.xmp_element_name(e.self)
	defer C.xmp_free(unsafe.Pointer(n))
	return C.GoString(n)
}

// startError is a reason to refuse to start, with its GStreamer error code (resource domain).
type startError struct {
	code int
	msg  string
}

func (err *startError) Error() string { return err.msg }

// open checks the settings and opens the output: the file, or the connection to the broker.
func (e *element) open(s settings) (*state, error) {
	st := &state{source: s.source, name: e.name()}
	var out output
	switch s.method {
	case methodFile:
		f, err := openFile(s.filePath, s.fileFormat, &e.counts, func(err error) { e.warn(codeWrite, err.Error()) })
		if err != nil {
			return nil, &startError{codeOpenWrite, err.Error()}
		}
		out = f
	case methodMQTT:
		addr, err := parseAddress(s.address)
		if err != nil {
			return nil, &startError{codeSettings, err.Error()}
		}
		if err := checkTopic(s.topic); err != nil {
			return nil, &startError{codeSettings, err.Error()}
		}
		id := s.clientID
		if id == "" {
			id = newClientID(st.name)
		}
		hooks := mqttHooks{
			connected: func(reconnect bool) {
				if reconnect {
					e.log(C.GST_LEVEL_INFO, fmt.Sprintf("reconnected to the MQTT broker at %s", addr))
				} else {
					e.log(C.GST_LEVEL_INFO, fmt.Sprintf("connected to the MQTT broker at %s as %s", addr, id))
				}
			},
			lost: func(err error) {
				e.warn(codeWrite, fmt.Sprintf("lost the connection to the MQTT broker at %s: %v; reconnecting "+
					"(results are dropped until then)", addr, err))
			},
			failed: func(err error) {
				e.warn(codeWrite, fmt.Sprintf("publishing to the MQTT broker at %s failed: %v", addr, err))
			},
		}
		m, err := dialMQTT(addr, s.topic, id, s.maxConnectAttempts, time.Duration(s.maxReconnectSecond)*time.Second, &e.counts, hooks)
		if err != nil {
			return nil, &startError{C.GST_RESOURCE_ERROR_OPEN_WRITE, err.Error()}
		}
		out = m
	default:
		return nil, &startError{codeSettings, fmt.Sprintf("method %d is not file or mqtt", s.method)}
	}
	st.pub = newPublisher(out, &e.counts, e.invalid, func(p any) { e.internalError("publisher", p) })
	return st, nil
}

// invalid reports a document dropped because JSON cannot hold it (NaN or infinity): a warning message
// the first time after start, a debug log line each time.
func (e *element) invalid(d *document, err error) {
	text := fmt.Sprintf("dropped a %q document that is not valid JSON: %v", d.kind, err)
	e.log(C.GST_LEVEL_WARNING, text)
	if !e.invalidWarned.Swap(true) {
		e.postMessage(false, domainStream, codeStreamFormat, text, "")
	}
}

// Start runs in the READY to PAUSED change: it opens the file or connects to the broker; a failure
// refuses the state change with an error message that names the file or address.
func (e *element) Start(_ *base.GstBaseTransform) (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			e.internalError("start", p)
			ok = false
		}
	}()
	e.mu.Lock()
	s := e.set
	e.mu.Unlock()
	e.counts.published.Store(0)
	e.counts.dropped.Store(0)
	e.invalidWarned.Store(false)
	st, err := e.open(s)
	if err != nil {
		var se *startError
		if !errors.As(err, &se) {
			se = &startError{codeSettings, err.Error()}
		}
		e.log(C.GST_LEVEL_ERROR, se.msg)
		e.postMessage(true, domainResource, se.code, se.msg, "")
		return false
	}
	e.mu.Lock()
	e.st = st
	e.mu.Unlock()
	e.log(C.GST_LEVEL_INFO, "started")
	return true
}

// Stop runs in the PAUSED to READY change, after streaming stopped: the queued documents are
// published (within stopTimeout) and the output closed.
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
	if st == nil {
		return true
	}
	if !st.pub.close(stopTimeout) {
		e.warn(codeWrite, fmt.Sprintf("the output did not take the last documents within %v: given up", stopTimeout))
	}
	e.log(C.GST_LEVEL_INFO, fmt.Sprintf("stopped: %d published, %d dropped", e.counts.published.Load(), e.counts.dropped.Load()))
	return true
}

// SinkEvent hands every "xclip*" custom downstream event to the publisher (a copy of its fields; the
// streaming thread does no I/O) and forwards every event downstream.
func (e *element) SinkEvent(_ *base.GstBaseTransform, event *gst.Event) (ok bool) {
	ev := (*C.GstEvent)(unsafe.Pointer(event.Instance()))
	forwarded := false
	defer func() {
		if p := recover(); p != nil {
			e.internalError("sink_event", p)
			if !forwarded {
				ok = C.xmp_parent_sink_event(e.self, ev) != 0
			}
		}
	}()
	if st := e.state(); st != nil {
		switch C.xmp_event_type(ev) {
		case C.GST_EVENT_CUSTOM_DOWNSTREAM, C.GST_EVENT_CUSTOM_DOWNSTREAM_OOB:
			if d, isResult := documentOf(C.xmp_event_structure(ev), st.source, st.name); isResult {
				st.pub.offer(d)
			}
		}
	}
	forwarded = true
	return C.xmp_parent_sink_event(e.self, ev) != 0
}
