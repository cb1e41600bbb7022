package xclipfilter

/*
#include <stdlib.h>
#include "xclip.h"
*/
import "C"

import (
	"fmt"
	"runtime/debug"
	"unsafe"

	"github.com/go-gst/go-glib/glib"

	"github.com/xclipfilter/xclipfilter/backend"
	"github.com/xclipfilter/xclipfilter/elements/internal/gstglue"
	"github.com/xclipfilter/xclipfilter/engine"
	"github.com/xclipfilter/xclipfilter/model"
)

// The device property's values index backend.Devices (auto, cpu, cuda); the precision property's are
// backend.Precision's (auto, fp32, bf16, fp16), in the order of the enums in xclip.c.
const (
	deviceAuto    = 0
	precisionAuto = int(backend.Auto)
)

// Values of the print property.
const (
	printNone = 0
	printText = 1
	printJSON = 2
)

// settings are the property values; filter.mu guards them.
type settings struct {
	model, labels, labelsFile, template string
	frameInterval, windowStride, topK   uint
	threads                             uint // 0: backend.DefaultThreads
	threshold                           float64
	device, precision, print            int
	attachMeta, blocking                bool

	source                string  // "" means the element's name
	eventEntry, eventExit float64 // event-threshold, event-exit-threshold
	eventMin, eventMinEnd uint    // event-min-windows, event-min-end-windows
	eventThresholds       string  // per-label overrides, checked by ParseEventThresholds
	statsInterval         float64 // seconds; 0: no xclip-stats
	stallTimeout          uint    // ms; 0: no stall detection

	batchSize    uint   // most windows of the model instance's forward pass
	batchTimeout uint64 // ns a window may wait for others to join its pass
	instanceID   string // model-instance-id: "" shares the instance
}

// eventConfig is the label events' configuration for the next window.
func (s *settings) eventConfig() EventConfig {
	cfg := EventConfig{Thresholds: Thresholds{s.eventEntry, s.eventExit}, MinWindows: int(s.eventMin),
		MinEndWindows: int(s.eventMinEnd)}
	cfg.Overrides, _ = ParseEventThresholds(s.eventThresholds, s.eventExit) // checked when set
	return cfg
}

// Defaults of the properties.
const (
	defaultTemplate      = "{}"
	defaultFrameInterval = 4
	defaultWindowStride  = 0
	defaultTopK          = 3
	defaultThreshold     = 0.0
	defaultDevice        = deviceAuto
	defaultPrecision     = precisionAuto
	defaultPrint         = printNone
	// defaultStatsInterval is off: the bus (and gst-launch-1.0 -m) carries no periodic message unless
	// asked for.
	defaultStatsInterval = 0.0
	// defaultBatchSize batches up to 4 streams' windows; defaultBatchTimeout never waits for them, so
	// that a single stream's latency is what it was before instances were shared.
	defaultBatchSize    = engine.DefaultMaxBatch
	defaultBatchTimeout = 0
	maxBatchTimeout     = 10_000_000_000 // ns: 10 s
)

func defaultSettings() settings {
	return settings{
		template: defaultTemplate, frameInterval: defaultFrameInterval, windowStride: defaultWindowStride,
		topK: defaultTopK, threshold: defaultThreshold, device: defaultDevice, precision: defaultPrecision,
		print: defaultPrint, eventEntry: defaultEventThreshold, eventExit: defaultEventExitThreshold,
		eventMin: defaultEventMinWindows, eventMinEnd: defaultEventMinEndWindows, statsInterval: defaultStatsInterval,
		stallTimeout: defaultStallTimeout,
		batchSize:    defaultBatchSize, batchTimeout: defaultBatchTimeout,
	}
}

type propKind int

const (
	propString propKind = iota
	propUint
	propUint64
	propDouble
	propBool
	propDevice
	propPrecision
	propPrint
)

// property describes one property for installation and documentation. Playing marks the properties
// that may change in PAUSED and PLAYING; the others only change in NULL or READY.
type property struct {
	id          uint
	name, nick  string
	blurb       string
	kind        propKind
	min, max    float64
	def         any
	playing     bool
	readOnly    bool
	defaultText string
}

// properties, in the order of the ids in xclip.h.
var properties = []property{
	{id: C.XCLIP_PROP_MODEL, name: "model", nick: "Model folder or hub id", kind: propString, def: "",
		blurb: "X-CLIP checkpoint folder: config.json, model.safetensors (or a sharded index, or weights_manifest.json), " +
			"the tokenizer (tokenizer.json, or vocab.json and merges.txt) and preprocessor_config.json (optional); " +
			"or a Hugging Face hub id, org/name[@revision] (e.g. microsoft/xclip-base-patch32), fetched into the " +
			"Hugging Face cache in the READY to PAUSED change when not cached yet (progress as \"xclip-download\" " +
			"element messages; HF_ENDPOINT, HF_HUB_CACHE, HF_HOME, HF_TOKEN and HF_HUB_OFFLINE apply). Required"},
	{id: C.XCLIP_PROP_LABELS, name: "labels", nick: "Labels", kind: propString, def: "", playing: true,
		blurb: "Labels separated by \";\", e.g. \"a fall;a fight;nobody\": at most 1000, each at most 1024 bytes, " +
			"no duplicates. Encoded on a worker after the element starts (windows completed before are skipped " +
			"and counted, or wait with blocking=true; an \"xclip-labels\" element message says when they are in " +
			"use). Writable in PLAYING: the current labels stay in use until the new ones are encoded. " +
			"Set labels or labels-file"},
	{id: C.XCLIP_PROP_LABELS_FILE, name: "labels-file", nick: "Labels file", kind: propString, def: "", playing: true,
		blurb: "File of labels, one per line (blank lines and lines starting with # are skipped): \"name\" (encoded " +
			"through prompt-template), or \"name: prompt | prompt ...\" (the prompts, used as written, are encoded " +
			"and averaged into one text embedding: prompt ensembling), either optionally ending in \"[entry]\" or " +
			"\"[entry/exit]\", the label's event thresholds (event-thresholds overrides them). E.g. " +
			"\"a fall: a person falling down | someone collapsing [0.5/0.3]\". Same limits as labels; a name cannot " +
			"contain \":\". An alternative to labels. Reread when it changes while the element runs (checked every " +
			"second), or at once when set in PAUSED/PLAYING (to the same path too): encoded off the streaming thread, " +
			"in use once \"xclip-labels\" is posted; a file that does not read or parse is a warning naming the file, " +
			"line and problem, and the current labels stay"},
	{id: C.XCLIP_PROP_PROMPT_TEMPLATE, name: "prompt-template", nick: "Prompt template", kind: propString,
		def:   defaultTemplate,
		blurb: "Text encoded for each label, {} standing for the label, e.g. \"a video of {}\" (at most 1024 bytes)"},
	{id: C.XCLIP_PROP_FRAME_INTERVAL, name: "frame-interval", nick: "Frame interval", kind: propUint, min: 1,
		max: 10000, def: uint(defaultFrameInterval),
		blurb: "Sample every Nth frame into the window (1: every frame; at 30 fps and 8 frames a window, 4 makes " +
			"windows of about a second)"},
	{id: C.XCLIP_PROP_WINDOW_STRIDE, name: "window-stride", nick: "Window stride", kind: propUint, min: 0,
		max: 10000, def: uint(defaultWindowStride),
		blurb: "Sampled frames between the starts of two windows (0: the model's number of frames, so that " +
			"windows do not overlap; 1: a window at every sampled frame)"},
	{id: C.XCLIP_PROP_TOP_K, name: "top-k", nick: "Top k", kind: propUint, min: 1, max: 10000,
		def: uint(defaultTopK), playing: true,
		blurb: "Number of best labels reported in top-labels/top-scores (and the region-of-interest meta)"},
	{id: C.XCLIP_PROP_THRESHOLD, name: "threshold", nick: "Score threshold", kind: propDouble, min: 0, max: 1,
		def: defaultThreshold, playing: true,
		blurb: "Lowest softmax score a label needs to be among top-labels (which may then be empty); " +
			"writable in PLAYING, effective from the next window"},
	{id: C.XCLIP_PROP_DEVICE, name: "device", nick: "Device", kind: propDevice, def: defaultDevice,
		blurb: "Where inference runs: auto (the GPU in a CUDA build when there is one, else the CPU), cpu, " +
			"or cuda (only in a CUDA build, make plugin-cuda; otherwise the element refuses to start)"},
	{id: C.XCLIP_PROP_ATTACH_META, name: "attach-meta", nick: "Attach meta", kind: propBool, def: false,
		playing: true,
		blurb: "Attach a GstVideoRegionOfInterestMeta over the whole frame (type \"xclip\", with an \"xclip\" " +
			"param structure: window, window-start, window-end, top-label, top-score, top-labels, top-scores) " +
			"to the first buffer that leaves the element after a window's result is ready"},
	{id: C.XCLIP_PROP_BLOCKING, name: "blocking", nick: "Blocking",
		kind: propBool, def: false,
		blurb: "Wait for inference instead of skipping windows while it is busy: every window is classified, " +
			"but the stream is held up (offline processing of files). Leave off for live sources"},
	{id: C.XCLIP_PROP_WINDOWS_SKIPPED, name: "windows-skipped", nick: "Windows skipped", kind: propUint64,
		min: 0, max: float64(^uint64(0)), def: uint64(0), readOnly: true,
		blurb: "Windows skipped since the element started because inference was busy or the labels were " +
			"still being encoded"},
	{id: C.XCLIP_PROP_PRECISION, name: "precision", nick: "Precision", kind: propPrecision, def: defaultPrecision,
		blurb: "Number format of the model's weights: auto (bf16 on a GPU and on CPUs with AMX, else fp32), fp32 " +
			"(the reference numbers), bf16 (half the memory; the CPU's AMX tiles or bf16 dot-product instruction " +
			"where it has them; same top label, embeddings within cosine 0.999 of fp32) or fp16 (GPU only)"},
	{id: C.XCLIP_PROP_PRINT, name: "print", nick: "Print results", kind: propPrint, def: defaultPrint, playing: true,
		blurb: "Also write every window's result to standard output: none; text, one line per window " +
			"(\"00:00:02.133–00:00:04.267  window 3  a fall 0.91 | nobody 0.07\": first and last frame's time, " +
			"then top-labels with top-scores); json, one JSON object per line (window, start_ns, end_ns, start, end, " +
			"labels, logits, scores, top_labels, top_scores, final). Labels are printed as written (UTF-8). " +
			"For gst-launch-1.0 -q and scripts; applications read the messages instead"},
	{id: C.XCLIP_PROP_SOURCE, name: "source", nick: "Source name", kind: propString, def: "", playing: true,
		blurb: "Name of the video source, written as the source field of the xclip, xclip-event and xclip-stats " +
			"structures (xclipmetapublish publishes it); empty (default): the element's name"},
	{id: C.XCLIP_PROP_EVENT_THRESHOLD, name: "event-threshold", nick: "Event entry threshold", kind: propDouble,
		min: 0, max: 1, def: float64(defaultEventThreshold), playing: true,
		blurb: "Score (softmax) at or above which a label's window counts towards starting an \"xclip-event\" " +
			"(event-min-windows such windows in a row start it). Must not be below event-exit-threshold: " +
			"in PAUSED/PLAYING such a change is refused with a warning, at start it is an error. " +
			"Writable in PLAYING, effective from the next window"},
	{id: C.XCLIP_PROP_EVENT_EXIT_THRESHOLD, name: "event-exit-threshold", nick: "Event exit threshold",
		kind: propDouble, min: 0, max: 1, def: float64(defaultEventExitThreshold), playing: true,
		blurb: "Score below which an open event's window counts towards ending it (event-min-end-windows such " +
			"windows in a row end it); at most event-threshold: the gap keeps a score hovering around one value " +
			"from starting and ending events at every window. Writable in PLAYING, effective from the next window"},
	{id: C.XCLIP_PROP_EVENT_MIN_WINDOWS, name: "event-min-windows", nick: "Windows to start an event",
		kind: propUint, min: 1, max: 10000, def: uint(defaultEventMinWindows), playing: true,
		blurb: "Consecutive windows at or above the entry threshold that start a label's event (2: one noisy " +
			"window does not start one). Writable in PLAYING"},
	{id: C.XCLIP_PROP_EVENT_MIN_END_WINDOWS, name: "event-min-end-windows", nick: "Windows to end an event",
		kind: propUint, min: 1, max: 10000, def: uint(defaultEventMinEndWindows), playing: true,
		blurb: "Consecutive windows below the exit threshold that end a label's event (2: one noisy window " +
			"does not end one). Writable in PLAYING"},
	{id: C.XCLIP_PROP_EVENT_THRESHOLDS, name: "event-thresholds", nick: "Per-label event thresholds",
		kind: propString, def: "", playing: true,
		blurb: "Per-label entry/exit thresholds, \"label=entry/exit\" or \"label=entry\" separated by \";\", e.g. " +
			"\"a fall=0.5/0.3;nobody=0.9\" (scores 0-1, exit at most entry; without /exit: event-exit-threshold, " +
			"or entry when lower; the last \"=\" separates label and thresholds). A list with a bad entry is " +
			"refused with a warning naming it, the previous one staying in use. Writable in PLAYING"},
	{id: C.XCLIP_PROP_STATS_INTERVAL, name: "stats-interval", nick: "Stats interval", kind: propDouble,
		min: 0, max: 86400, def: defaultStatsInterval, playing: true,
		blurb: "Seconds between \"xclip-stats\" element messages (windows, windows-skipped, inference-p50, " +
			"inference-p95, last-result-age, open-events, source, last-buffer-age, stalled), posted from a timer while the element runs; " +
			"0 (default): none. Writable in PLAYING"},
	{id: C.XCLIP_PROP_STALL_TIMEOUT, name: "stall-timeout", nick: "Stall timeout", kind: propUint, min: 0,
		max: 86400000, def: uint(defaultStallTimeout), playing: true,
		blurb: "Milliseconds without a buffer, while PLAYING, after which the source counts as stalled: a " +
			"WARNING and an \"xclip-stalled\" element message (stalled-for, stall-timeout, source), then " +
			"\"xclip-resumed\" when buffers come back (time after EOS, in PAUSED or spent waiting for inference " +
			"with blocking=true does not count). 0: off. Writable in PLAYING"},
	{id: C.XCLIP_PROP_THREADS, name: "threads", nick: "Inference threads", kind: propUint, min: 0, max: backend.MaxThreads,
		def: uint(0),
		blurb: "Most CPU threads one inference operation uses (device=cpu, or auto without a GPU). 0 (default): " +
			"the default budget, one thread fewer than the cores on machines of up to 4 cores (so that the " +
			"pipeline's own threads, decoders and converters, keep their frame rate beside inference), all cores " +
			"on larger ones. Set it to the number of cores for the fastest inference when nothing else needs the " +
			"CPU (offline, blocking=true), lower to leave more to the pipeline"},
	{id: C.XCLIP_PROP_BATCH_SIZE, name: "batch-size", nick: "Batch size", kind: propUint, min: 1,
		max: engine.MaxBatchLimit, def: uint(defaultBatchSize),
		blurb: "Most windows in one forward pass of the model instance that elements naming the same model, " +
			"device, precision and model-instance-id share in a process: windows of different streams ready at " +
			"the same moment are classified together (1: one window a pass). A stream whose window cannot be " +
			"served in time skips its next ones (windows-skipped), as alone. Set by the element that loads the " +
			"instance; an element sharing it with other values is warned"},
	{id: C.XCLIP_PROP_BATCH_TIMEOUT, name: "batch-timeout", nick: "Batch timeout (ns)", kind: propUint64,
		min: 0, max: maxBatchTimeout, def: uint64(defaultBatchTimeout),
		blurb: "Nanoseconds a window may wait for windows of other streams to fill its pass up to batch-size " +
			"(at most 10 s): adds up to that much latency for fuller batches; 0 (default): never wait, so that " +
			"one stream's latency is unchanged. Set by the element that loads the instance"},
	{id: C.XCLIP_PROP_MODEL_INSTANCE_ID, name: "model-instance-id", nick: "Model instance id", kind: propString,
		def: "",
		blurb: "Elements in one process that name the same model, device and precision share one loaded " +
			"model (one copy of the weights, one label cache, batched inference), freed when the last of " +
			"them stops; elements with different model-instance-id values get separate instances (empty, the " +
			"default, shares)"},
}

func installProperties(klass unsafe.Pointer) {
	for _, p := range properties {
		flags := gstglue.ParamReadable | gstglue.ParamDocShowDefault
		if !p.readOnly {
			flags |= gstglue.ParamWritable
			if p.playing {
				flags |= gstglue.ParamMutablePlaying
			} else {
				flags |= gstglue.ParamMutableReady
			}
		}
		switch p.kind {
		case propString:
			gstglue.InstallString(klass, p.id, p.name, p.nick, p.blurb, p.def.(string), flags)
		case propUint:
			gstglue.InstallUint(klass, p.id, p.name, p.nick, p.blurb, uint(p.min), uint(p.max), p.def.(uint), flags)
		case propUint64:
			max := ^uint64(0)
			if p.max > 0 && p.max < 1<<63 {
				max = uint64(p.max)
			}
			gstglue.InstallUint64(klass, p.id, p.name, p.nick, p.blurb, uint64(p.min), max, p.def.(uint64), flags)
		case propDouble:
			gstglue.InstallDouble(klass, p.id, p.name, p.nick, p.blurb, p.min, p.max, p.def.(float64), flags)
		case propBool:
			gstglue.InstallBool(klass, p.id, p.name, p.nick, p.blurb, p.def.(bool), flags)
		case propDevice:
			gstglue.InstallEnum(klass, p.id, p.name, p.nick, p.blurb, uintptr(C.xclip_device_get_type()), p.def.(int), flags)
		case propPrecision:
			gstglue.InstallEnum(klass, p.id, p.name, p.nick, p.blurb, uintptr(C.xclip_precision_get_type()), p.def.(int), flags)
		case propPrint:
			gstglue.InstallEnum(klass, p.id, p.name, p.nick, p.blurb, uintptr(C.xclip_print_get_type()), p.def.(int), flags)
		}
	}
}

func propertyByID(id uint) *property {
	for i := range properties {
		if properties[i].id == id {
			return &properties[i]
		}
	}
	return nil
}

// filterOf returns the Go half of an xclipfilter instance.
func filterOf(obj unsafe.Pointer) *filter {
	f, _ := glib.FromObjectUnsafePrivate(obj).(*filter)
	return f
}

//export goXclipSetProperty
func goXclipSetProperty(obj *C.GObject, id C.guint, value *C.GValue, pname *C.char) {
	f := filterOf(unsafe.Pointer(obj))
	if f == nil {
		return
	}
	defer func() {
		if p := recover(); p != nil {
			f.postMessage(false, domainCore, codeFailed, fmt.Sprintf("internal error setting property %s", C.GoString(pname)),
				fmt.Sprintf("%v\n%s", p, debug.Stack()))
		}
	}()
	p := propertyByID(uint(id))
	if p == nil || p.readOnly {
		return
	}
	if !p.playing && gstglue.ElementState(unsafe.Pointer(obj)) > C.GST_STATE_READY {
		f.log(C.GST_LEVEL_WARNING, fmt.Sprintf("property %s can only be changed in the NULL or READY state: ignored", p.name))
		f.postMessage(false, domainResource, codeSettings,
			fmt.Sprintf("property %s can only be changed in the NULL or READY state", p.name), "")
		return
	}
	gv := unsafe.Pointer(value)
	var str string
	if p.kind == propString {
		str = gstglue.ValueString(gv)
	}
	f.mu.Lock()
	s := &f.set
	st := f.st
	switch uint(id) {
	case C.XCLIP_PROP_MODEL:
		s.model = str
	case C.XCLIP_PROP_LABELS:
		if st != nil {
			// Running: the new labels replace the current ones (those of labels-file too), from the
			// next window once encoded; a list that model.ParseLabels refuses is refused with a warning.
			names, err := model.ParseLabels(str)
			if err != nil {
				f.mu.Unlock()
				msg := fmt.Sprintf("%v: keeping the current labels", err)
				f.log(C.GST_LEVEL_WARNING, msg)
				f.postMessage(false, domainResource, codeSettings, msg, "")
				return
			}
			// The watcher stops rereading labels-file. relabel runs under mu, so that stop (which
			// clears f.st under mu) waits for it.
			s.labelsFile = ""
			st.relabel(f, labelUpdate{set: model.PlainLabelSet(s.template, names)})
		}
		s.labels = str
	case C.XCLIP_PROP_LABELS_FILE:
		if st != nil && str != "" {
			// Running: the watcher reads it now (off this thread) and replaces the current labels
			// if it parses; until then, and if it does not, the current labels stay.
			s.labels = ""
			st.pokeLabels()
		}
		s.labelsFile = str
	case C.XCLIP_PROP_PROMPT_TEMPLATE:
		s.template = str
	case C.XCLIP_PROP_FRAME_INTERVAL:
		s.frameInterval = gstglue.ValueUint(gv)
	case C.XCLIP_PROP_WINDOW_STRIDE:
		s.windowStride = gstglue.ValueUint(gv)
	case C.XCLIP_PROP_TOP_K:
		s.topK = gstglue.ValueUint(gv)
	case C.XCLIP_PROP_THRESHOLD:
		// NaN never gets here: GObject's range check refuses it with a warning naming threshold.
		s.threshold = gstglue.ValueDouble(gv)
	case C.XCLIP_PROP_DEVICE:
		s.device = gstglue.ValueEnum(gv)
	case C.XCLIP_PROP_PRECISION:
		s.precision = gstglue.ValueEnum(gv)
	case C.XCLIP_PROP_PRINT:
		s.print = gstglue.ValueEnum(gv)
	case C.XCLIP_PROP_ATTACH_META:
		s.attachMeta = gstglue.ValueBool(gv)
	case C.XCLIP_PROP_BLOCKING:
		s.blocking = gstglue.ValueBool(gv)
	case C.XCLIP_PROP_SOURCE:
		s.source = str
	case C.XCLIP_PROP_EVENT_THRESHOLD, C.XCLIP_PROP_EVENT_EXIT_THRESHOLD:
		// NaN never gets here (GObject's range check). The pair is checked at start; while running a
		// change that would put exit above entry is refused.
		v := gstglue.ValueDouble(gv)
		entry, exit := s.eventEntry, s.eventExit
		if uint(id) == C.XCLIP_PROP_EVENT_THRESHOLD {
			entry = v
		} else {
			exit = v
		}
		if err := checkThresholds(entry, exit); err != nil && st != nil {
			f.mu.Unlock()
			f.refuse(fmt.Sprintf("%v: keeping the current thresholds", err))
			return
		}
		s.eventEntry, s.eventExit = entry, exit
	case C.XCLIP_PROP_EVENT_MIN_WINDOWS:
		s.eventMin = gstglue.ValueUint(gv)
	case C.XCLIP_PROP_EVENT_MIN_END_WINDOWS:
		s.eventMinEnd = gstglue.ValueUint(gv)
	case C.XCLIP_PROP_EVENT_THRESHOLDS:
		if _, err := ParseEventThresholds(str, s.eventExit); err != nil {
			f.mu.Unlock()
			f.refuse(fmt.Sprintf("%v: keeping the previous event-thresholds", err))
			return
		}
		s.eventThresholds = str
	case C.XCLIP_PROP_THREADS:
		s.threads = gstglue.ValueUint(gv)
	case C.XCLIP_PROP_BATCH_SIZE:
		s.batchSize = gstglue.ValueUint(gv)
	case C.XCLIP_PROP_BATCH_TIMEOUT:
		s.batchTimeout = gstglue.ValueUint64(gv)
	case C.XCLIP_PROP_MODEL_INSTANCE_ID:
		s.instanceID = str
	case C.XCLIP_PROP_STATS_INTERVAL:
		s.statsInterval = gstglue.ValueDouble(gv)
		if st != nil {
			st.wakeStats()
		}
	case C.XCLIP_PROP_STALL_TIMEOUT:
		s.stallTimeout = gstglue.ValueUint(gv)
		if st != nil {
			st.wakeStall()
		}
	}
	f.mu.Unlock()
}

// refuse reports a property value that is not taken: a warning in the log and on the bus.
func (f *filter) refuse(msg string) {
	f.log(C.GST_LEVEL_WARNING, msg)
	f.postMessage(false, domainResource, codeSettings, msg, "")
}

//export goXclipGetProperty
func goXclipGetProperty(obj *C.GObject, id C.guint, value *C.GValue) {
	f := filterOf(unsafe.Pointer(obj))
	if f == nil {
		return
	}
	defer func() {
		if p := recover(); p != nil {
			f.log(C.GST_LEVEL_ERROR, fmt.Sprintf("internal error reading property %d: %v", id, p))
		}
	}()
	gv := unsafe.Pointer(value)
	f.mu.Lock()
	s := f.set
	st := f.st
	skipped := f.skipped
	f.mu.Unlock()
	switch uint(id) {
	case C.XCLIP_PROP_MODEL:
		gstglue.SetValueString(gv, s.model)
	case C.XCLIP_PROP_LABELS:
		gstglue.SetValueString(gv, s.labels)
	case C.XCLIP_PROP_LABELS_FILE:
		gstglue.SetValueString(gv, s.labelsFile)
	case C.XCLIP_PROP_PROMPT_TEMPLATE:
		gstglue.SetValueString(gv, s.template)
	case C.XCLIP_PROP_FRAME_INTERVAL:
		gstglue.SetValueUint(gv, s.frameInterval)
	case C.XCLIP_PROP_WINDOW_STRIDE:
		gstglue.SetValueUint(gv, s.windowStride)
	case C.XCLIP_PROP_TOP_K:
		gstglue.SetValueUint(gv, s.topK)
	case C.XCLIP_PROP_THRESHOLD:
		gstglue.SetValueDouble(gv, s.threshold)
	case C.XCLIP_PROP_DEVICE:
		gstglue.SetValueEnum(gv, s.device)
	case C.XCLIP_PROP_PRECISION:
		gstglue.SetValueEnum(gv, s.precision)
	case C.XCLIP_PROP_PRINT:
		gstglue.SetValueEnum(gv, s.print)
	case C.XCLIP_PROP_ATTACH_META:
		gstglue.SetValueBool(gv, s.attachMeta)
	case C.XCLIP_PROP_BLOCKING:
		gstglue.SetValueBool(gv, s.blocking)
	case C.XCLIP_PROP_SOURCE:
		gstglue.SetValueString(gv, s.source)
	case C.XCLIP_PROP_EVENT_THRESHOLD:
		gstglue.SetValueDouble(gv, s.eventEntry)
	case C.XCLIP_PROP_EVENT_EXIT_THRESHOLD:
		gstglue.SetValueDouble(gv, s.eventExit)
	case C.XCLIP_PROP_EVENT_MIN_WINDOWS:
		gstglue.SetValueUint(gv, s.eventMin)
	case C.XCLIP_PROP_EVENT_MIN_END_WINDOWS:
		gstglue.SetValueUint(gv, s.eventMinEnd)
	case C.XCLIP_PROP_EVENT_THRESHOLDS:
		gstglue.SetValueString(gv, s.eventThresholds)
	case C.XCLIP_PROP_THREADS:
		gstglue.SetValueUint(gv, s.threads)
	case C.XCLIP_PROP_STATS_INTERVAL:
		gstglue.SetValueDouble(gv, s.statsInterval)
	case C.XCLIP_PROP_STALL_TIMEOUT:
		gstglue.SetValueUint(gv, s.stallTimeout)
	case C.XCLIP_PROP_BATCH_SIZE:
		gstglue.SetValueUint(gv, s.batchSize)
	case C.XCLIP_PROP_BATCH_TIMEOUT:
		gstglue.SetValueUint64(gv, s.batchTimeout)
	case C.XCLIP_PROP_MODEL_INSTANCE_ID:
		gstglue.SetValueString(gv, s.instanceID)
	case C.XCLIP_PROP_WINDOWS_SKIPPED:
		if st != nil {
			skipped = st.eng.Skipped()
		}
		gstglue.SetValueUint64(gv, skipped)
	}
}

// maxTemplateBytes bounds prompt-template, as model.MaxLabelBytes bounds a label.
const maxTemplateBytes = 1024
