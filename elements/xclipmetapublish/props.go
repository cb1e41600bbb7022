package xclipmetapublish

/*
#include <stdlib.h>
#include "publish.h"
*/
import "C"

import (
	"fmt"
	"runtime/debug"
	"unsafe"

	"github.com/xclipfilter/xclipfilter/elements/internal/gstglue"
)

// Values of the method and file-format properties (DLStreamer gvametapublish's numbers).
const (
	methodFile = C.XMP_METHOD_FILE
	methodMQTT = C.XMP_METHOD_MQTT

	formatJSON      = C.XMP_FORMAT_JSON
	formatJSONLines = C.XMP_FORMAT_JSON_LINES
)

// Defaults of the properties.
const (
	defaultMethod               = methodFile
	defaultFilePath             = "-" // stdout
	defaultFileFormat           = formatJSONLines
	defaultAddress              = "localhost:1883"
	defaultTopic                = "xclip"
	defaultMaxConnectAttempts   = 1
	defaultMaxReconnectInterval = 30 // seconds
)

// settings are the property values; element.mu guards them.
type settings struct {
	method, fileFormat                     int
	filePath, address, topic, clientID     string
	source                                 string
	maxConnectAttempts, maxReconnectSecond uint
}

func defaultSettings() settings {
	return settings{
		method: defaultMethod, fileFormat: defaultFileFormat, filePath: defaultFilePath, address: defaultAddress,
		topic: defaultTopic, maxConnectAttempts: defaultMaxConnectAttempts, maxReconnectSecond: defaultMaxReconnectInterval,
	}
}

type propKind int

const (
	propString propKind = iota
	propUint
	propUint64
	propMethod
	propFileFormat
)

// property describes one property for installation and documentation. All writable properties only
// change in NULL or READY: the publisher is built in start.
type property struct {
	id         uint
	name, nick string
	blurb      string
	kind       propKind
	min, max   uint
	def        any
	readOnly   bool
}

// properties, in the order of the ids in publish.h.
var properties = []property{
	{id: C.XMP_PROP_METHOD, name: "method", nick: "Method", kind: propMethod, def: defaultMethod,
		blurb: "Where results go: file (file-path, file-format) or mqtt (address, topic; QoS 1)"},
	{id: C.XMP_PROP_FILE_PATH, name: "file-path", nick: "File path", kind: propString, def: defaultFilePath,
		blurb: "File written by method=file, created or truncated at start (\"-\": standard output); a " +
			"path that cannot be created refuses the start with an error naming it"},
	{id: C.XMP_PROP_FILE_FORMAT, name: "file-format", nick: "File format", kind: propFileFormat, def: defaultFileFormat,
		blurb: "Layout of method=file: json-lines (one JSON object per line, written and flushed as each result " +
			"arrives) or json (one JSON array of every document, complete and valid once the element stops)"},
	{id: C.XMP_PROP_ADDRESS, name: "address", nick: "Broker address", kind: propString, def: defaultAddress,
		blurb: "MQTT broker as host:port (method=mqtt; plain TCP)"},
	{id: C.XMP_PROP_TOPIC, name: "topic", nick: "Topic", kind: propString, def: defaultTopic,
		blurb: "MQTT topic of the messages; {source} stands for the document's source (e.g. " +
			"\"cameras/{source}/xclip\"). Wildcards + and # are refused"},
	{id: C.XMP_PROP_MQTT_CLIENT_ID, name: "mqtt-client-id", nick: "MQTT client id", kind: propString, def: "",
		blurb: "MQTT client identifier (empty: generated at start, unique per element and process)"},
	{id: C.XMP_PROP_MAX_CONNECT_ATTEMPTS, name: "max-connect-attempts", nick: "Max connect attempts",
		kind: propUint, min: 0, max: 1000, def: uint(defaultMaxConnectAttempts),
		blurb: "Connection attempts to the broker at start before the element refuses to start with an error " +
			"naming the address (1 s between attempts, doubling up to max-reconnect-interval). 0: start at once " +
			"and keep connecting in the background, once a second, dropping results until connected"},
	{id: C.XMP_PROP_MAX_RECONNECT_INTERVAL, name: "max-reconnect-interval", nick: "Max reconnect interval",
		kind: propUint, min: 1, max: 3600, def: uint(defaultMaxReconnectInterval),
		blurb: "Longest wait in seconds between reconnection attempts once a connection is lost (the wait " +
			"starts at 1 s and doubles); results that arrive while disconnected are dropped and counted"},
	{id: C.XMP_PROP_SOURCE, name: "source", nick: "Source name", kind: propString, def: "",
		blurb: "Source name in every document (and {source} of topic). Empty: the structure's own source " +
			"field when it has one, else this element's name"},
	{id: C.XMP_PROP_PUBLISHED, name: "published", nick: "Published", kind: propUint64, def: uint64(0), readOnly: true,
		blurb: "Documents published since start: acknowledged by the broker (mqtt) or written (file)"},
	{id: C.XMP_PROP_DROPPED, name: "dropped", nick: "Dropped", kind: propUint64, def: uint64(0), readOnly: true,
		blurb: "Documents dropped since start: broker disconnected or not acknowledging, publishing queue full, " +
			"write failed, or a NaN or infinite number in the document"},
}

func installProperties(klass unsafe.Pointer) {
	for _, p := range properties {
		flags := gstglue.ParamReadable | gstglue.ParamDocShowDefault
		if !p.readOnly {
			flags |= gstglue.ParamWritable | gstglue.ParamMutableReady
		}
		switch p.kind {
		case propString:
			gstglue.InstallString(klass, p.id, p.name, p.nick, p.blurb, p.def.(string), flags)
		case propUint:
			gstglue.InstallUint(klass, p.id, p.name, p.nick, p.blurb, p.min, p.max, p.def.(uint), flags)
		case propUint64:
			gstglue.InstallUint64(klass, p.id, p.name, p.nick, p.blurb, 0, ^uint64(0), p.def.(uint64), flags)
		case propMethod:
			gstglue.InstallEnum(klass, p.id, p.name, p.nick, p.blurb, uintptr(C.xmp_method_get_type()), p.def.(int), flags)
		case propFileFormat:
			gstglue.InstallEnum(klass, p.id, p.name, p.nick, p.blurb, uintptr(C.xmp_file_format_get_type()), p.def.(int), flags)
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

//export goXmpSetProperty
func goXmpSetProperty(obj *C.GObject, id C.guint, value *C.GValue, pname *C.char) {
	e := elementOf(unsafe.Pointer(obj))
	if e == nil {
		return
	}
	defer func() {
		if p := recover(); p != nil {
			e.postMessage(false, domainCore, codeFailed, fmt.Sprintf("internal error setting property %s", C.GoString(pname)),
				fmt.Sprintf("%v\n%s", p, debug.Stack()))
		}
	}()
	p := propertyByID(uint(id))
	if p == nil || p.readOnly {
		return
	}
	if gstglue.ElementState(unsafe.Pointer(obj)) > C.GST_STATE_READY {
		e.log(C.GST_LEVEL_WARNING, fmt.Sprintf("property %s can only be changed in the NULL or READY state: ignored", p.name))
		e.postMessage(false, domainResource, codeSettings,
			fmt.Sprintf("property %s can only be changed in the NULL or READY state", p.name), "")
		return
	}
	gv := unsafe.Pointer(value)
	var str string
	if p.kind == propString {
		str = gstglue.ValueString(gv)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	s := &e.set
	switch uint(id) {
	case C.XMP_PROP_METHOD:
		s.method = gstglue.ValueEnum(gv)
	case C.XMP_PROP_FILE_PATH:
		s.filePath = str
	case C.XMP_PROP_FILE_FORMAT:
		s.fileFormat = gstglue.ValueEnum(gv)
	case C.XMP_PROP_ADDRESS:
		s.address = str
	case C.XMP_PROP_TOPIC:
		s.topic = str
	case C.XMP_PROP_MQTT_CLIENT_ID:
		s.clientID = str
	case C.XMP_PROP_MAX_CONNECT_ATTEMPTS:
		s.maxConnectAttempts = gstglue.ValueUint(gv)
	case C.XMP_PROP_MAX_RECONNECT_INTERVAL:
		s.maxReconnectSecond = gstglue.ValueUint(gv)
	case C.XMP_PROP_SOURCE:
		s.source = str
	}
}

//export goXmpGetProperty
func goXmpGetProperty(obj *C.GObject, id C.guint, value *C.GValue) {
	e := elementOf(unsafe.Pointer(obj))
	if e == nil {
		return
	}
	defer func() {
		if p := recover(); p != nil {
			e.log(C.GST_LEVEL_ERROR, fmt.Sprintf("internal error reading property %d: %v", id, p))
		}
	}()
	gv := unsafe.Pointer(value)
	e.mu.Lock()
	s := e.set
	e.mu.Unlock()
	switch uint(id) {
	case C.XMP_PROP_METHOD:
		gstglue.SetValueEnum(gv, s.method)
	case C.XMP_PROP_FILE_PATH:
		gstglue.SetValueString(gv, s.filePath)
	case C.XMP_PROP_FILE_FORMAT:
		gstglue.SetValueEnum(gv, s.fileFormat)
	case C.XMP_PROP_ADDRESS:
		gstglue.SetValueString(gv, s.address)
	case C.XMP_PROP_TOPIC:
		gstglue.SetValueString(gv, s.topic)
	case C.XMP_PROP_MQTT_CLIENT_ID:
		gstglue.SetValueString(gv, s.clientID)
	case C.XMP_PROP_MAX_CONNECT_ATTEMPTS:
		gstglue.SetValueUint(gv, s.maxConnectAttempts)
	case C.XMP_PROP_MAX_RECONNECT_INTERVAL:
		gstglue.SetValueUint(gv, s.maxReconnectSecond)
	case C.XMP_PROP_SOURCE:
		gstglue.SetValueString(gv, s.source)
	case C.XMP_PROP_PUBLISHED:
		gstglue.SetValueUint64(gv, e.counts.published.Load())
	case C.XMP_PROP_DROPPED:
		gstglue.SetValueUint64(gv, e.counts.dropped.Load())
	}
}
