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

const (
	gParamReadable       = 1 << 0
	gParamWritable       = 1 << 1
	gstParamMutableReady = C.GST_PARAM_MUTABLE_READY
	gstParamDocShowDef   = C.GST_PARAM_DOC_SHOW_DEFAULT
)

func installProperties(klass unsafe.Pointer) {
	for _, p := range properties {
		flags := C.guint(gParamReadable | gstParamDocShowDef)
		if !p.readOnly {
			flags |= gParamWritable | gstParamMutableReady
		}
		name, nick, blurb := C.CString(p.name), C.CString(p.nick), C.CString(p.blurb)
		switch p.kind {
		case propString:
			var def *C.char
			if s := p.def.(string); s != "" {
				def = C.CString(s)
			}
			C.xmp_install_string(klass, C.guint(p.id), name, nick, blurb, def, flags)
			C.free(unsafe.Pointer(def))
		case propUint:
			C.xmp_install_uint(klass, C.guint(p.id), name, nick, blurb, C.guint(p.min), C.guint(p.max), C.guint(p.def.(uint)), flags)
		case propUint64:
			C.xmp_install_uint64(klass, C.guint(p.id), name, nick, blurb, C.guint64(p.def.(uint64)), flags)
		case propMethod:
			C.xmp_install_enum(klass, C.guint(p.id), name, nick, blurb, C.xmp_method_get_type(), C.gint(p.def.(int)), flags)
		case propFileFormat:
			C.xmp_install_enum(klass, C.guint(p.id), name, nick, blurb, C.xmp_file_format_get_type(), C.gint(p.def.(int)), flags)
		}
		// GParamSpec copies nick and blurb (no G_PARAM_STATIC_STRINGS) and interns the name: free ours.
		C.free(unsafe.Pointer(name))
		C.free(unsafe.Pointer(nick))
		C.free(unsafe.Pointer(blurb))
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
	if C.xmp_element_state(unsafe.Pointer(obj)) > C.GST_STATE_READY {
		e.log(C.GST_LEVEL_WARNING, fmt.Sprintf("property %s can only be changed in the NULL or READY state: ignored", p.name))
		e.postMessage(false, domainResource, codeSettings,
			fmt.Sprintf("property %s can only be changed in the NULL or READY state", p.name), "")
		return
	}
	var str string
	if p.kind == propString {
		if s := C.xmp_value_get_string(value); s != nil {
			str = C.GoString(s)
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	s := &e.set
	switch uint(id) {
	case C.XMP_PROP_METHOD:
		s.method = int(C.xmp_value_get_enum(value))
	case C.XMP_PROP_FILE_PATH:
		s.filePath = str
	case C.XMP_PROP_FILE_FORMAT:
		s.fileFormat = int(C.xmp_value_get_enum(value))
	case C.XMP_PROP_ADDRESS:
		s.address = str
	case C.XMP_PROP_TOPIC:
		s.topic = str
	case C.XMP_PROP_MQTT_CLIENT_ID:
		s.clientID = str
	case C.XMP_PROP_MAX_CONNECT_ATTEMPTS:
		s.maxConnectAttempts = uint(C.xmp_value_get_uint(value))
	case C.XMP_PROP_MAX_RECONNECT_INTERVAL:
		s.maxReconnectSecond = uint(C.xmp_value_get_uint(value))
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
	setStr := func(s string) {
		cs := C.CString(s)
		C.xmp_value_set_string(value, cs)
		C.free(unsafe.Pointer(cs))
	}
	e.mu.Lock()
	s := e.set
	e.mu.Unlock()
	switch uint(id) {
	case C.XMP_PROP_METHOD:
		C.xmp_value_set_enum(value, C.gint(s.method))
	case C.XMP_PROP_FILE_PATH:
		setStr(s.filePath)
	case C.XMP_PROP_FILE_FORMAT:
		C.xmp_value_set_enum(value, C.gint(s.fileFormat))
	case C.XMP_PROP_ADDRESS:
		setStr(s.address)
	case C.XMP_PROP_TOPIC:
		setStr(s.topic)
	case C.XMP_PROP_MQTT_CLIENT_ID:
		setStr(s.clientID)
	case C.XMP_PROP_MAX_CONNECT_ATTEMPTS:
		C.xmp_value_set_uint(value, C.guint(s.maxConnectAttempts))
	case C.XMP_PROP_MAX_RECONNECT_INTERVAL:
		C.xmp_value_set_uint(value, C.guint(s.maxReconnectSecond))
	case C.XMP_PROP_SOURCE:
		setStr(s.source)
	case C.XMP_PROP_PUBLISHED:
		C.xmp_value_set_uint64(value, C.guint64(e.counts.published.Load()))
	case C.XMP_PROP_DROPPED:
		C.xmp_value_set_uint64(value, C.guint64(e.counts.dropped.Load()))
	}
}
