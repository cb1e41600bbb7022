package xclipfilter

/*
#cgo pkg-config: gstreamer-1.0 gstreamer-base-1.0 gstreamer-video-1.0
#include <stdlib.h>
#include "xclip.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/go-gst/go-glib/glib"
	"github.com/go-gst/go-gst/gst"
	"github.com/go-gst/go-gst/gst/base"

	"github.com/xclipfilter/xclipfilter/backend"
	"github.com/xclipfilter/xclipfilter/cpu"
	"github.com/xclipfilter/xclipfilter/engine"
	"github.com/xclipfilter/xclipfilter/internal/formula"
	"github.com/xclipfilter/xclipfilter/model"
	"github.com/xclipfilter/xclipfilter/model/preprocess"
	"github.com/xclipfilter/xclipfilter/model/tokenizer"

	"github.com/xclipfilter/xclipfilter/elements/internal/gstglue"
)

// Sink and source caps: the formats the element converts to RGB for the model.
const padCaps = "video/x-raw, format=(string){ RGB, RGBA, BGRx, BGRA, xRGB, I420, NV12 }, " +
	"width=(int)[ 1, 2147483647 ], height=(int)[ 1, 2147483647 ], framerate=(fraction)[ 0/1, 2147483647/1 ]"

// Error domains and codes for postMessage (GstResourceError / GstStreamError / GstLibraryError /
// GstCoreError numbers).
const (
	domainResource = 0
	domainStream   = 1
	domainLibrary  = 2
	domainCore     = 3

	codeFailed   = 1 // GST_*_ERROR_FAILED
	codeNotFound = C.GST_RESOURCE_ERROR_NOT_FOUND
	codeSettings = C.GST_RESOURCE_ERROR_SETTINGS
	codeInit     = C.GST_LIBRARY_ERROR_INIT
	codeDecode   = C.GST_STREAM_ERROR_DECODE
)

// What gst-inspect-1.0 shows under "Messages" and "Events".
const (
	messagesDoc = "element message \"xclip\" for every classified window: window (guint64), labels, logits " +
		"(logits_per_video row), scores (softmax), top-labels, top-scores (GstValueArray of string/double), " +
		"top-label, top-score, window-start, window-end (PTS of the window's first and last frame), " +
		"running-time, stream-time (of the last frame; guint64 ns, GST_CLOCK_TIME_NONE when unknown), " +
		"inference-time (double, ms), windows-skipped (guint64), batch (guint64: windows in its forward pass), final (boolean: finished at EOS); " +
		"element message \"xclip-download\" while a model given by hub id downloads at start: file (string), " +
		"bytes, total (guint64); element message \"xclip-event\" when a label's event starts or ends: label, " +
		"state (started/ended), start-running-time, start-stream-time, end-running-time, end-stream-time " +
		"(guint64 ns; end-* on ended only), peak-score (double), windows (guint64), source, reason (on ended: " +
		"score, eos, stop, labels-changed); element message \"xclip-stats\" every stats-interval seconds: " +
		"windows, windows-skipped (guint64), inference-p50, inference-p95, last-result-age (double ms, -1 " +
		"before the first result), open-events (GstValueArray of string), source, last-buffer-age (double ms, -1 " +
		"before the first buffer), stalled (boolean); element messages \"xclip-stalled\" and \"xclip-resumed\" " +
		"(stall-timeout): stalled-for (double ms), stall-timeout (guint64 ms), source; every structure has a source field"
	eventsDoc = "the same \"xclip\" structure as a serialized GST_EVENT_CUSTOM_DOWNSTREAM event, pushed before " +
		"the next buffer after the result is ready (before EOS for the last window); with attach-meta, " +
		"a GstVideoRegionOfInterestMeta \"xclip\" over the whole frame on that buffer; \"xclip-event\" structures " +
		"the same way, in the order of their messages (events ended at EOS before EOS; not those ended at stop)"
)

// Test hooks: inferenceDelay slows every window's inference down, inferencePanic makes it panic,
// inferenceMangle rewrites its logits (e.g. to NaN), labelsDelay slows every chunk of label encoding
// down. All are zero in production.
var (
	labelsDelay     atomic.Int64
	inferenceDelay  atomic.Int64
	inferencePanic  atomic.Bool
	inferenceMangle atomic.Pointer[func(logits []float32)]
)

// filter is the Go half of one xclipfilter element.
type filter struct {
	self unsafe.Pointer // the GstBaseTransform; set in Constructed; for GStreamer threads only
	weak *C.GWeakRef    // the same, for goroutines (withSelf; see lifetime.go)

	mu       sync.Mutex // guards set, st, skipped, callback
	set      settings
	st       *state
	skipped  uint64 // windows skipped by the last run, reported after stop
	callback func(Result)
}

// state lives from start to stop.
type state struct {
	model   *engine.Shared[*sharedModel] // released by shutdown, after eng is closed
	eng     *engine.Engine
	labelWG sync.WaitGroup // the label encoding goroutine

	relabelMu  sync.Mutex   // guards nextLabels, relabeling
	nextLabels *labelUpdate // labels to encode next (nil when none)
	relabeling bool         // the label encoding goroutine runs

	fileThresholds map[string]fileThreshold // of the labels file in use (f.mu)

	watchStop chan struct{}  // closed by shutdown
	watchPoke chan struct{}  // labels-file set while running: reread it now
	watchWG   sync.WaitGroup // the labels-file watcher

	// Streaming thread only.
	info   *C.GstVideoInfo
	format pixFormat
	width  int
	height int
	yuv    yuvToRGB
	warned bool

	pmu     sync.Mutex
	pending []pendingItem // results and label events to push downstream before the next buffer

	emu   sync.Mutex // guards track; taken before pmu, never the other way round
	track tracking   // label events and health figures

	statsStop chan struct{}  // closed by shutdown
	statsWake chan struct{}  // stats-interval changed
	statsWG   sync.WaitGroup // the stats and stall goroutines

	stall stallWatch // stall-timeout (stall.go)
}

// pendingItem is a result or a label event waiting for the streaming thread.
type pendingItem struct {
	result *Result
	event  *LabelEvent
}

// maxPending bounds the results waiting for a buffer (they are still posted on the bus); label events
// are not dropped (one start and one end per label at most between two windows).
const maxPending = 64

var _ glib.GoObjectSubclass = (*filter)(nil)

func (f *filter) New() glib.GoObjectSubclass { return &filter{set: defaultSettings()} }

func (f *filter) ClassInit(klass *glib.ObjectClass) {
	defer func() {
		if p := recover(); p != nil {
			gstglue.Log(C.xclip_debug_category(), nil, C.GST_LEVEL_ERROR, "xclipfilter",
				fmt.Sprintf("xclipfilter: class init failed: %v", p))
		}
	}()
	k := klass.Unsafe()
	var strs gstglue.CStrings
	defer strs.Free() // GStreamer copied them
	cs := func(s string) *C.char { return (*C.char)(strs.C(s)) }
	C.xclip_element_class_setup(k, cs("X-CLIP video classifier"), cs("Filter/Analyzer/Video"),
		cs("Zero-shot classification of a sliding window of video frames against text labels with an "+
			"X-CLIP model; results are posted as \"xclip\" element messages and pushed downstream as "+
			"\"xclip\" custom events; video passes through untouched"),
		cs("xclipfilter developers"), cs(padCaps), cs(padCaps), cs(messagesDoc), cs(eventsDoc))
	C.xclip_class_set_property_funcs(k)
	installProperties(k)
}

// Constructed keeps the instance pointer: go-gst v1.4.0 passes a nil self to GstBaseTransform methods.
func (f *filter) Constructed(obj *glib.Object) {
	defer func() {
		if p := recover(); p != nil {
			f.log(C.GST_LEVEL_ERROR, fmt.Sprintf("constructed: %v", p))
		}
	}()
	f.self = obj.Unsafe()
	f.weak = C.xclip_weak_new(f.self)
	C.xclip_transform_init(f.self)
}

// log writes to the debug log, naming the element while it is alive. Any goroutine.
func (f *filter) log(level C.GstDebugLevel, msg string) {
	cat := C.xclip_debug_category()
	if !f.withSelf(func(self unsafe.Pointer) { gstglue.Log(cat, self, int(level), "xclipfilter", msg) }) {
		gstglue.Log(cat, nil, int(level), "xclipfilter", msg)
	}
}

// postMessage posts an error (or warning) message whose text names the problem; nothing once the
// element is being finalized. Any goroutine.
func (f *filter) postMessage(isError bool, domain, code int, text, debugInfo string) {
	file, function, line := gstglue.Caller(1, "xclipfilter")
	f.withSelf(func(self unsafe.Pointer) {
		gstglue.PostMessage(self, isError, domain, code, text, debugInfo, file, function, line)
	})
}

// internalError turns a recovered panic into an error message.
func (f *filter) internalError(where string, p any) {
	f.postMessage(true, domainCore, codeFailed, fmt.Sprintf("xclipfilter: internal error in %s: %v", where, p), string(debug.Stack()))
}

func (f *filter) state() *state {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.st
}

// startError is a reason to refuse to start, with its GStreamer error domain and code.
type startError struct {
	domain, code int
	msg          string
}

func (e *startError) Error() string { return e.msg }

func settingsError(format string, a ...any) error {
	return &startError{domainResource, codeSettings, fmt.Sprintf(format, a...)}
}

// backendNames are the device and precision properties as backend.Open reads them.
func backendNames(device, precision int) (string, string) {
	d := "auto"
	if device >= 0 && device < len(backend.Devices) {
		d = backend.Devices[device]
	}
	return d, backend.Precision(precision).String()
}

// loadClassifier loads the model on the device (for acquireModel, when no running element holds it).
func (f *filter) loadClassifier(dir string, device, precision, threads int) (*model.Classifier, error) {
	dev, prec := backendNames(device, precision)
	b, note, err := backend.Open(dev, prec, threads)
	if err != nil {
		return nil, &startError{domainResource, codeSettings, err.Error()}
	}
	if note != "" {
		f.log(C.GST_LEVEL_INFO, note)
	}
	if strings.HasPrefix(b.Name(), "cpu/") {
		if ok, why := cpu.AMXStatus(); ok {
			f.log(C.GST_LEVEL_DEBUG, "backend "+b.Name()+": AMX-BF16 tiles available")
		} else {
			f.log(C.GST_LEVEL_DEBUG, "backend "+b.Name()+": no AMX ("+why+")")
		}
	}
	var c *model.Classifier
	opts, err := formula.WithWeights(dir, model.Options{Backend: b}) // the golden data's formula checkpoints
	if err == nil {
		c, err = model.NewClassifier(dir, opts)
	}
	if err != nil {
		return nil, &startError{domainResource, codeNotFound, fmt.Sprintf("cannot load the X-CLIP model %s: %v", dir, err)}
	}
	return c, nil
}

// prompted is one element's view of a shared classifier: it warns on the element about prompts too
// long for the text encoder, and applies the labels test hook. (The prompt template is applied by the
// label set: model.PlainLabelSet, model.NewLabelSet.) Inference goes through the instance's scheduler
// (sharedModel).
type prompted struct {
	c      *sharedModel
	warn   func(msg string)
	warned *sync.Map // truncated prompts already warned about: once per text, as when the classifier warned
}

func (p prompted) NumFrames() int { return p.c.NumFrames() }

func (p prompted) Pixels(frames []preprocess.Frame) ([]float32, error) { return p.c.Pixels(frames) }

func (p prompted) EncodeLabels(texts []string) (*model.Tensor, error) {
	if d := time.Duration(labelsDelay.Load()); d > 0 {
		time.Sleep(d)
	}
	// The instance's classifier is shared: its truncation notices would reach whichever element set
	// its Warn. Each element checks its own prompts instead.
	for i, tr := range p.c.Tokenizer.EncodeBatch(texts, tokenizer.MaxLength, 0).Truncated {
		if !tr || p.warn == nil {
			continue
		}
		if _, again := p.warned.LoadOrStore(texts[i], true); !again {
			p.warn(fmt.Sprintf("label %.200q is longer than %d tokens and was truncated", texts[i], tokenizer.MaxLength))
		}
	}
	return p.c.EncodeLabels(texts)
}

// Classify is the engine's path without a scheduler, which the element does not take.
func (p prompted) Classify(pixels []float32, labels *model.Tensor) ([]float32, error) {
	out, err := p.c.ClassifyBatch(pixels, []*model.Tensor{labels})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// open checks the settings, loads the model and starts an engine.
func (f *filter) open(s settings) (*state, error) {
	dev, prec := backendNames(s.device, s.precision)
	if err := backend.Check(dev, prec, int(s.threads)); err != nil { // before anything else
		return nil, &startError{domainResource, codeSettings, err.Error()}
	}
	if strings.TrimSpace(s.model) == "" {
		return nil, &startError{domainResource, codeNotFound, "no model: set the model property to an X-CLIP " +
			"checkpoint folder (config.json, model.safetensors, tokenizer files)"}
	}
	if len(s.template) > maxTemplateBytes {
		return nil, settingsError("prompt-template is %d bytes long: at most %d are allowed", len(s.template), maxTemplateBytes)
	}
	if !strings.Contains(s.template, "{}") {
		return nil, settingsError("prompt-template %q has no {} for the label", s.template)
	}
	var stamp fileStamp // of labels-file, before it is read: a change after that is reread
	if s.labelsFile != "" {
		stamp = stampOf(s.labelsFile)
	}
	labels, err := labelsOf(s)
	if err != nil {
		return nil, err
	}
	dir, err := f.resolveModel(s.model)
	if err != nil {
		return nil, err
	}
	if err := checkThresholds(s.eventEntry, s.eventExit); err != nil {
		return nil, settingsError("%v", err)
	}
	if err := checkInstanceID(s.instanceID); err != nil {
		return nil, settingsError("%v", err)
	}
	shared, err := f.acquireModel(dir, s)
	if err != nil {
		return nil, err
	}
	c := shared.Classifier
	cfg := engine.Config{FrameInterval: int(s.frameInterval), WindowStride: int(s.windowStride), Blocking: s.blocking,
		Scheduler: shared.Scheduler}
	if cfg.WindowStride == 0 {
		cfg.WindowStride = c.NumFrames()
	}
	st := &state{model: shared, fileThresholds: labels.thresholds}
	began := time.Now()
	n := len(labels.set.Names)
	warn := func(msg string) { f.postMessage(false, domainResource, codeSettings, msg, "") }
	eng, err := engine.StartLabelSet(prompted{c, warn, &sync.Map{}}, cfg, labels.set, func(r engine.Result) { f.onResult(st, r) },
		func(err error) { f.labelsEncoded(n, time.Since(began), err, true) })
	if err != nil {
		shared.Release()
		return nil, settingsError("%v", err)
	}
	st.eng = eng
	st.watchStop, st.watchPoke = make(chan struct{}), make(chan struct{}, 1)
	st.watchWG.Add(1)
	go f.watchLabels(st, stamp)
	st.track.events = NewEventTracker()
	st.statsStop, st.statsWake = make(chan struct{}), make(chan struct{}, 1)
	st.stall.wake = make(chan struct{}, 1)
	st.statsWG.Add(2)
	go f.statsLoop(st)
	go f.stallLoop(st)
	return st, nil
}

// labelsEncoded reports the end of a label encoding (on its goroutine): a "xclip-labels" element
// message and an INFO log when the labels are in use; an error message when the first labels cannot
// be encoded (the element has nothing to classify with), a warning when new ones cannot.
func (f *filter) labelsEncoded(n int, took time.Duration, err error, initial bool) {
	switch {
	case errors.Is(err, engine.ErrClosed):
		return // stopped meanwhile
	case err != nil && initial:
		f.postMessage(true, domainResource, codeSettings, fmt.Sprintf("cannot encode the %d labels: %v", n, err), "")
		return
	case err != nil:
		f.postMessage(false, domainResource, codeSettings, fmt.Sprintf("cannot use the new %d labels: %v", n, err), "")
		return
	}
	ms := float64(took.Microseconds()) / 1000
	f.log(C.GST_LEVEL_INFO, fmt.Sprintf("%d labels ready, encoded in %.1f ms", n, ms))
	s := C.xclip_structure_new(cLabelsReady)
	C.xclip_set_uint64(s, cCount, C.guint64(n))
	C.xclip_set_double(s, cEncodeTime, C.double(ms))
	f.withSelf(func(self unsafe.Pointer) { C.xclip_post_structure(self, s) })
	C.xclip_structure_free(s)
}

// Start runs in the READY to PAUSED change: a failure refuses the state change with an error message
// that names the problem.
func (f *filter) Start(_ *base.GstBaseTransform) (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			f.internalError("start", p)
			ok = false
		}
	}()
	f.mu.Lock()
	s := f.set
	f.mu.Unlock()
	st, err := f.open(s)
	if err != nil {
		var se *startError
		if !errors.As(err, &se) {
			se = &startError{domainLibrary, codeInit, err.Error()}
		}
		f.log(C.GST_LEVEL_ERROR, se.msg)
		f.postMessage(true, se.domain, se.code, se.msg, "")
		return false
	}
	f.mu.Lock()
	f.st = st
	f.skipped = 0
	f.mu.Unlock()
	f.log(C.GST_LEVEL_INFO, fmt.Sprintf("started: model %s; encoding the labels", s.model))
	return true
}

// Stop runs in the PAUSED to READY change, after streaming stopped.
func (f *filter) Stop(_ *base.GstBaseTransform) (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			f.internalError("stop", p)
			ok = false
		}
	}()
	f.mu.Lock()
	st := f.st
	f.st = nil
	f.mu.Unlock()
	if st == nil {
		return true
	}
	st.shutdown()
	f.mu.Lock()
	f.skipped = st.eng.Skipped()
	source := f.set.source
	f.mu.Unlock()
	// Open events end here: posted on the bus, but no downstream event (streaming has stopped).
	st.emu.Lock()
	f.withSelf(func(self unsafe.Pointer) {
		postLabelEvents(self, st.track.events.EndAll(ReasonStop, sourceOf(self, source)))
	})
	st.emu.Unlock()
	return true
}

// relabel switches to new labels (already checked) in PAUSED or PLAYING. Label sets are encoded one at
// a time on a goroutine, the latest set winning, so that quick successive changes end with the last
// one; the current labels (and labels file thresholds) stay in use until the new ones are encoded.
// Called with f.mu held (stop waits for labelWG).
func (st *state) relabel(f *filter, upd labelUpdate) {
	st.relabelMu.Lock()
	defer st.relabelMu.Unlock()
	st.nextLabels = &upd
	if st.relabeling {
		return
	}
	st.relabeling = true
	st.labelWG.Add(1)
	go func() {
		defer st.labelWG.Done()
		defer func() {
			if p := recover(); p != nil {
				f.internalError("label encoding", p)
			}
		}()
		for {
			st.relabelMu.Lock()
			upd := st.nextLabels
			if upd == nil {
				st.relabeling = false
				st.relabelMu.Unlock()
				return
			}
			st.nextLabels = nil
			st.relabelMu.Unlock()
			done := make(chan error, 1)
			began := time.Now()
			st.eng.SetLabelSet(upd.set, func(err error) { done <- err })
			err := <-done
			if err == nil {
				f.mu.Lock()
				st.fileThresholds = upd.thresholds
				f.mu.Unlock()
			}
			f.labelsEncoded(len(upd.set.Names), time.Since(began), err, false)
			if errors.Is(err, engine.ErrClosed) {
				st.relabelMu.Lock()
				st.nextLabels, st.relabeling = nil, false
				st.relabelMu.Unlock()
				return
			}
		}
	}()
}

// onResult runs on the engine's goroutine (or on the streaming thread for the last window): it posts
// the bus message, queues the result for the streaming thread and calls the Go callback.
func (f *filter) onResult(st *state, r engine.Result) {
	defer func() {
		if p := recover(); p != nil {
			f.internalError("result delivery", p)
		}
	}()
	if r.Err != nil {
		// No result at all for this window: not on the bus, downstream, in a meta or to the callback.
		var nf *engine.NonFiniteError
		msg := fmt.Sprintf("inference failed on window %d: %v", r.Window, r.Err)
		if errors.As(r.Err, &nf) {
			msg = fmt.Sprintf("window %d dropped: %v", r.Window, r.Err)
		}
		f.log(C.GST_LEVEL_WARNING, msg)
		f.postMessage(false, domainStream, codeFailed, msg, "")
		return
	}
	f.mu.Lock()
	topK, threshold, cb, print := int(f.set.topK), f.set.threshold, f.callback, f.set.print
	evcfg := withFileThresholds(f.set.eventConfig(), st.fileThresholds, f.set.eventExit)
	source := f.set.source
	f.mu.Unlock()
	res := r
	res.Labels = append([]string(nil), r.Labels...) // the engine's label set is shared by its windows
	res.SetTop(topK, threshold)
	posted := f.withSelf(func(self unsafe.Pointer) {
		res.Source = sourceOf(self, source)
		s := resultStructure(&res)
		C.xclip_post_structure(self, s)
		C.xclip_structure_free(s)
		// The tracker and the queue move together, so that the downstream events keep the order of
		// the messages.
		st.emu.Lock()
		defer st.emu.Unlock()
		st.track.record(res.InferenceTime, time.Now())
		evs := st.track.events.Update(evcfg, eventWindow(&res), res.Source)
		postLabelEvents(self, evs)
		st.pmu.Lock()
		st.queue(pendingItem{result: &res})
		for i := range evs {
			st.queue(pendingItem{event: &evs[i]})
		}
		st.pmu.Unlock()
	})
	if !posted {
		return // the element is being finalized
	}
	f.print(&res, print)
	if cb != nil {
		func() {
			defer func() {
				if p := recover(); p != nil {
					f.postMessage(false, domainCore, codeFailed, fmt.Sprintf("xclipfilter: the result callback panicked: %v", p), string(debug.Stack()))
				}
			}()
			cb(res)
		}()
	}
}

// eventWindow is what the label events read of a result.
func eventWindow(res *Result) EventWindow {
	return EventWindow{Labels: res.Labels, Scores: res.Scores, StartRunningTime: res.StartRunningTime,
		StartStreamTime: res.StartStreamTime, EndRunningTime: res.RunningTime, EndStreamTime: res.StreamTime}
}

// queue adds an item for the streaming thread, dropping the oldest result beyond maxPending.
// Called with pmu held.
func (st *state) queue(it pendingItem) {
	if it.result != nil && len(st.pending) >= maxPending {
		for i := range st.pending {
			if st.pending[i].result != nil {
				st.pending = append(st.pending[:i], st.pending[i+1:]...)
				break
			}
		}
	}
	st.pending = append(st.pending, it)
}

// endEvents ends the open label events at end of stream: posted, and queued for downstream.
func (f *filter) endEvents(st *state, reason string) {
	f.mu.Lock()
	source := f.set.source
	f.mu.Unlock()
	st.emu.Lock()
	defer st.emu.Unlock()
	f.withSelf(func(self unsafe.Pointer) {
		evs := st.track.events.EndAll(reason, sourceOf(self, source))
		postLabelEvents(self, evs)
		st.pmu.Lock()
		for i := range evs {
			st.queue(pendingItem{event: &evs[i]})
		}
		st.pmu.Unlock()
	})
}

// print writes the result to standard output as the print property asks, in one write so that the
// lines of several elements do not interleave. A failure is logged: printing is a convenience and
// must not stop the stream.
func (f *filter) print(r *Result, mode int) {
	line, err := printLine(r, mode)
	if err == nil && line != "" {
		_, err = os.Stdout.WriteString(line)
	}
	if err != nil {
		f.log(C.GST_LEVEL_WARNING, fmt.Sprintf("print: %v", err))
	}
}

// pushPending pushes the results that became ready since the last buffer as custom downstream events
// and, with attach-meta, attaches their region-of-interest metas to buf (nil at EOS). Streaming thread.
func (f *filter) pushPending(st *state, buf *C.GstBuffer) {
	st.pmu.Lock()
	pending := st.pending
	st.pending = nil
	st.pmu.Unlock()
	if len(pending) == 0 {
		return
	}
	f.mu.Lock()
	attach := f.set.attachMeta
	f.mu.Unlock()
	for _, it := range pending {
		if it.event != nil {
			C.xclip_push_custom_event(f.self, it.event.structure()) // the event takes the structure
			continue
		}
		r := it.result
		C.xclip_push_custom_event(f.self, resultStructure(r))
		if attach && buf != nil && st.width > 0 {
			C.xclip_add_roi(buf, C.guint(st.width), C.guint(st.height), roiStructure(r))
		}
	}
}

func engineTime(t C.guint64) uint64 { return uint64(t) } // GST_CLOCK_TIME_NONE is ClockTimeNone

// SetCaps records the video format; a change of caps resets the window.
func (f *filter) SetCaps(_ *base.GstBaseTransform, incaps, _ *gst.Caps) (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			f.internalError("set_caps", p)
			ok = false
		}
	}()
	st := f.state()
	if st == nil {
		return true
	}
	info := C.xclip_video_info_from_caps((*C.GstCaps)(unsafe.Pointer(incaps.Instance())))
	if info == nil {
		f.postMessage(true, domainStream, codeDecode, "xclipfilter: cannot read the video caps", incaps.String())
		return false
	}
	var format, w, h, matrix, colorRange C.int
	C.xclip_video_info_describe(info, &format, &w, &h, &matrix, &colorRange)
	pf := pixFormatOf(format)
	if pf == 0 {
		C.xclip_video_info_free(info)
		return false
	}
	if st.info != nil {
		if C.xclip_video_info_equal(st.info, info) == 0 {
			st.eng.Reset()
		}
		C.xclip_video_info_free(st.info)
	}
	st.info, st.format, st.width, st.height = info, pf, int(w), int(h)
	st.yuv = newYUVToRGB(int(matrix), int(colorRange))
	f.log(C.GST_LEVEL_DEBUG, fmt.Sprintf("caps: %v %dx%d, matrix %d, range %d", pf, w, h, matrix, colorRange))
	return true
}

func pixFormatOf(f C.int) pixFormat {
	switch f {
	case C.GST_VIDEO_FORMAT_RGB:
		return fmtRGB
	case C.GST_VIDEO_FORMAT_RGBA:
		return fmtRGBA
	case C.GST_VIDEO_FORMAT_BGRx:
		return fmtBGRx
	case C.GST_VIDEO_FORMAT_BGRA:
		return fmtBGRA
	case C.GST_VIDEO_FORMAT_xRGB:
		return fmtXRGB
	case C.GST_VIDEO_FORMAT_I420:
		return fmtI420
	case C.GST_VIDEO_FORMAT_NV12:
		return fmtNV12
	}
	return 0
}

// frameOf maps buf (honouring its GstVideoMeta strides and offsets) and converts it to packed RGB.
func (st *state) frameOf(buf *C.GstBuffer) (preprocess.Frame, error) {
	fr := C.xclip_frame_map(st.info, buf)
	if fr == nil {
		return preprocess.Frame{}, errors.New("cannot map the video frame")
	}
	defer C.xclip_frame_unmap(fr)
	var p planes
	for i := range numPlanes(st.format) {
		stride := int(C.xclip_frame_stride(fr, C.int(i)))
		data := C.xclip_frame_plane(fr, C.int(i))
		if data == nil || stride <= 0 {
			return preprocess.Frame{}, fmt.Errorf("plane %d is not mapped", i)
		}
		p.stride[i] = stride
		p.data[i] = unsafe.Slice((*byte)(unsafe.Pointer(data)), planeBytes(st.format, st.width, st.height, i, stride))
	}
	return toRGB(st.format, st.width, st.height, p, &st.yuv)
}

// TransformIP sees every buffer on the streaming thread: it pushes the results that are ready, and
// converts a sampled frame into the window. It never waits for inference (unless blocking is set).
func (f *filter) TransformIP(_ *base.GstBaseTransform, buffer *gst.Buffer) (ret gst.FlowReturn) {
	defer func() {
		if p := recover(); p != nil {
			f.internalError("transform_ip", p)
			ret = gst.FlowError
		}
	}()
	st := f.state()
	if st == nil {
		return gst.FlowOK
	}
	st.stall.enter()
	defer st.stall.leave()
	buf := (*C.GstBuffer)(unsafe.Pointer(buffer.Instance()))
	f.pushPending(st, buf)
	flags := C.xclip_buffer_flags(buf)
	if flags&C.GST_BUFFER_FLAG_DISCONT != 0 {
		st.eng.Reset()
	}
	if flags&C.GST_BUFFER_FLAG_GAP != 0 {
		st.eng.Reset()
		return gst.FlowOK
	}
	if st.info == nil {
		return gst.FlowNotNegotiated
	}
	if !st.eng.WantFrame() {
		return gst.FlowOK
	}
	frame, err := st.frameOf(buf)
	if err != nil {
		if !st.warned {
			st.warned = true
			f.postMessage(false, domainStream, codeDecode, fmt.Sprintf("xclipfilter: skipping frames: %v", err), "")
		}
		return gst.FlowOK
	}
	var pts, dur, rt, stt C.guint64
	C.xclip_buffer_times(f.self, buf, &pts, &dur, &rt, &stt)
	st.eng.Push(engine.Frame{Frame: frame, PTS: engineTime(pts), Duration: engineTime(dur),
		RunningTime: engineTime(rt), StreamTime: engineTime(stt)})
	return gst.FlowOK
}

// SinkEvent resets the window on flush and gap, and finishes the last window at EOS before forwarding
// it, so that its result (message and event) precedes EOS.
func (f *filter) SinkEvent(_ *base.GstBaseTransform, event *gst.Event) (ok bool) {
	ev := (*C.GstEvent)(unsafe.Pointer(event.Instance()))
	forwarded := false
	defer func() {
		if p := recover(); p != nil {
			f.internalError("sink_event", p)
			if !forwarded {
				ok = C.xclip_parent_sink_event(f.self, ev) != 0
			}
		}
	}()
	if st := f.state(); st != nil {
		switch C.xclip_event_type(ev) {
		case C.GST_EVENT_STREAM_START:
			st.stall.eos.Store(false)
		case C.GST_EVENT_FLUSH_STOP:
			st.stall.eos.Store(false)
			st.eng.Reset()
			// Results of the flushed stream are dropped; label events stay, so that downstream sees
			// every start's end.
			st.pmu.Lock()
			kept := st.pending[:0]
			for _, it := range st.pending {
				if it.event != nil {
					kept = append(kept, it)
				}
			}
			st.pending = kept
			st.pmu.Unlock()
		case C.GST_EVENT_GAP:
			st.eng.Reset()
		case C.GST_EVENT_EOS:
			st.stall.eos.Store(true)
			st.eng.Drain()
			f.endEvents(st, ReasonEOS)
			f.pushPending(st, nil)
		}
	}
	forwarded = true
	return C.xclip_parent_sink_event(f.self, ev) != 0
}
