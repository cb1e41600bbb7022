package watch

/*
#cgo pkg-config: gstreamer-1.0
#include <stdlib.h>
#include <gst/gst.h>

// watch_send sends ev (taken) into the sink pad of e.
static gboolean watch_send (GstElement * e, GstEvent * ev)
{
  GstPad *pad = gst_element_get_static_pad (e, "sink");
  gboolean ok;
  if (pad == NULL) {
    gst_event_unref (ev);
    return FALSE;
  }
  ok = gst_pad_send_event (pad, ev);
  gst_object_unref (pad);
  return ok;
}

// watch_forward_message sends a copy of m's structure into e as a custom downstream event.
static gboolean watch_forward_message (GstElement * e, GstMessage * m)
{
  const GstStructure *s = gst_message_get_structure (m);
  if (s == NULL)
    return FALSE;
  return watch_send (e, gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM, gst_structure_copy (s)));
}

static gboolean watch_send_structure (GstElement * e, GstStructure * s)
{
  return watch_send (e, gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM, s));
}

// watch_start_stream opens the stream the documents travel in: stream-start and a time segment.
static gboolean watch_start_stream (GstElement * e)
{
  GstSegment seg;
  gst_segment_init (&seg, GST_FORMAT_TIME);
  return watch_send (e, gst_event_new_stream_start ("xclip-watch"))
      && watch_send (e, gst_event_new_segment (&seg));
}

static GstStructure *watch_structure_new (const char *name) { return gst_structure_new_empty (name); }
static void watch_set_string (GstStructure * s, const char *f, const char *v) { gst_structure_set (s, f, G_TYPE_STRING, v, NULL); }
static void watch_set_uint64 (GstStructure * s, const char *f, guint64 v) { gst_structure_set (s, f, G_TYPE_UINT64, v, NULL); }
static void watch_set_double (GstStructure * s, const char *f, double v) { gst_structure_set (s, f, G_TYPE_DOUBLE, v, NULL); }
*/
import "C"

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/go-gst/go-gst/gst"
)

// Publish says where results, label events and source statuses go: xclipmetapublish's method=file
// (FilePath, "-" standard output) or method=mqtt (Address host:port, Topic with {source}).
type Publish struct {
	Method   string // "file" or "mqtt"
	FilePath string
	Address  string
	Topic    string
}

// ParsePublishURL reads --publish mqtt://HOST[:PORT][/TOPIC]: port 1883 by default, topic
// "xclip/{source}" by default.
func ParsePublishURL(s string) (Publish, error) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "mqtt" || u.Host == "" {
		return Publish{}, fmt.Errorf("--publish %q: want mqtt://HOST[:PORT][/TOPIC], e.g. mqtt://127.0.0.1:1883/cameras/{source}/xclip", s)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "1883")
	}
	topic := strings.TrimPrefix(u.Path, "/")
	if topic == "" {
		topic = "xclip/{source}"
	}
	return Publish{Method: "mqtt", Address: host, Topic: topic}, nil
}

// publisher is one xclipmetapublish element for the whole process, in a pipeline of its own, fed with
// the xclip and xclip-event structures of every source and with their statuses. Keeping it apart from
// the sources' pipelines means a source's restart neither truncates the results file nor drops the
// broker connection, and a source that is down still has its status published.
type publisher struct {
	mu       sync.Mutex // one sender at a time, so that documents keep their order
	pipeline *gst.Pipeline
	elem     *gst.Element
	bus      *gst.Bus
}

// newPublisher starts the publishing pipeline; a file that cannot be created or a broker that cannot
// be reached is an error naming it.
func newPublisher(cfg Publish) (*publisher, error) {
	p, err := gst.NewPipelineFromString("xclipmetapublish name=pub ! fakesink async=false sync=false")
	if err != nil {
		return nil, fmt.Errorf("the publishing pipeline: %w", err)
	}
	elem, err := p.GetElementByName("pub")
	if err != nil {
		return nil, err
	}
	switch cfg.Method {
	case "mqtt":
		elem.SetArg("method", "mqtt")
		if err := elem.SetProperty("address", cfg.Address); err != nil {
			return nil, err
		}
		if err := elem.SetProperty("topic", cfg.Topic); err != nil {
			return nil, err
		}
	default:
		path := cfg.FilePath
		if path == "" {
			path = "-"
		}
		if err := elem.SetProperty("file-path", path); err != nil {
			return nil, err
		}
	}
	pub := &publisher{pipeline: p, elem: elem, bus: p.GetPipelineBus()}
	if err := p.SetState(gst.StatePlaying); err != nil {
		if msg := pub.bus.TimedPopFiltered(gst.ClockTime(time.Second), gst.MessageError); msg != nil {
			err = msg.ParseError()
		}
		p.SetState(gst.StateNull)
		return nil, fmt.Errorf("cannot start publishing: %w", err)
	}
	if C.watch_start_stream(pub.c()) == 0 {
		p.SetState(gst.StateNull)
		return nil, errors.New("cannot start publishing: the stream-start event was refused")
	}
	return pub, nil
}

func (p *publisher) c() *C.GstElement { return (*C.GstElement)(unsafe.Pointer(p.elem.Instance())) }

// forward publishes a copy of an element message's structure (an xclip result or xclip-event).
func (p *publisher) forward(msg *gst.Message) {
	p.mu.Lock()
	defer p.mu.Unlock()
	C.watch_forward_message(p.c(), (*C.GstMessage)(unsafe.Pointer(msg.Instance())))
}

// Field names of the status structure.
var (
	cStatusName     = C.CString(StatusName)
	cSource         = C.CString("source")
	cState          = C.CString("state")
	cWindows        = C.CString("windows")
	cWindowsSkipped = C.CString("windows-skipped")
	cRestarts       = C.CString("restarts")
	cLastResultAge  = C.CString("last-result-age")
	cLastBufferAge  = C.CString("last-buffer-age")
	cInferenceP50   = C.CString("inference-p50")
	cReason         = C.CString("reason")
	cRetryIn        = C.CString("retry-in")
)

// status publishes one source's status as an "xclip-source-status" document.
func (p *publisher) status(s *Status, now time.Time) {
	cs := C.watch_structure_new(cStatusName)
	setString := func(f *C.char, v string) {
		cv := C.CString(v)
		C.watch_set_string(cs, f, cv)
		C.free(unsafe.Pointer(cv))
	}
	setString(cSource, s.Source)
	setString(cState, string(s.State))
	C.watch_set_uint64(cs, cWindows, C.guint64(s.Windows))
	C.watch_set_uint64(cs, cWindowsSkipped, C.guint64(s.WindowsSkipped))
	C.watch_set_uint64(cs, cRestarts, C.guint64(s.Restarts))
	C.watch_set_double(cs, cLastResultAge, C.double(s.LastResultAge(now)))
	C.watch_set_double(cs, cLastBufferAge, C.double(s.LastBufferAge))
	C.watch_set_double(cs, cInferenceP50, C.double(s.InferenceP50))
	setString(cReason, s.Reason)
	C.watch_set_double(cs, cRetryIn, C.double(s.RetryIn.Seconds()))
	p.mu.Lock()
	defer p.mu.Unlock()
	C.watch_send_structure(p.c(), cs)
}

// poll returns the publisher's warnings and errors since the last call (a lost broker, a full disk).
func (p *publisher) poll() []string {
	var out []string
	for {
		msg := p.bus.Pop()
		if msg == nil {
			return out
		}
		switch msg.Type() {
		case gst.MessageError:
			out = append(out, "publishing: error: "+msg.ParseError().Error())
		case gst.MessageWarning:
			out = append(out, "publishing: warning: "+msg.ParseWarning().Error())
		}
	}
}

// close sends EOS (a json file-format ends its array) and stops the element, which publishes what is
// queued.
func (p *publisher) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	C.watch_send(p.c(), C.gst_event_new_eos())
	p.pipeline.SetState(gst.StateNull)
}
