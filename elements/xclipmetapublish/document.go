package xclipmetapublish

/*
#include <stdlib.h>
#include "publish.h"
*/
import "C"

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unsafe"
)

// StructurePrefix selects the custom downstream events the element publishes: "xclip" (a window's
// result), "xclip-event" (a label's event) and any later structure whose name starts with it.
const StructurePrefix = "xclip"

// clockTimeNone is GST_CLOCK_TIME_NONE: a time the window does not have.
const clockTimeNone = ^uint64(0)

// clockTimeFields are the known fields holding a GstClockTime in ns: GST_CLOCK_TIME_NONE becomes JSON
// null (no consumer can use 18446744073709551615, and JavaScript cannot even hold it).
var clockTimeFields = map[string]bool{
	"window-start": true, "window-end": true, "running-time": true, "stream-time": true, // xclip
	"start": true, "end": true, // xclip-event, as first written
	"start-running-time": true, "start-stream-time": true, "end-running-time": true, "end-stream-time": true, // xclip-event
}

// member is one key and value of an object; value is nil (null), string, bool, int64, uint64,
// float64, []any or object.
type member struct {
	key   string
	value any
}

// object is a JSON object that keeps its members in order: the header first, then the structure's
// fields as GStreamer holds them.
type object []member

// MarshalJSON writes the members in order. A NaN or infinite number fails, as in encoding/json.
func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(m.key)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(m.value)
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", m.key, err)
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func (o object) get(key string) (any, bool) {
	for _, m := range o {
		if m.key == key {
			return m.value, true
		}
	}
	return nil, false
}

// document is one structure on its way to the publisher: its name, the source it is published for,
// and its fields.
type document struct {
	kind   string // the structure name, e.g. "xclip" or "xclip-event"
	source string
	fields object
}

// timestampLayout is RFC 3339 in UTC with milliseconds.
const timestampLayout = "2006-01-02T15:04:05.000Z07:00"

// marshal writes the document as published: source, type, timestamp (wall-clock UTC time of
// publication), then the structure's fields. A NaN or infinite number is an error.
func (d *document) marshal(now time.Time) ([]byte, error) {
	o := make(object, 0, len(d.fields)+3)
	o = append(o, member{"source", d.source}, member{"type", d.kind},
		member{"timestamp", now.UTC().Format(timestampLayout)})
	o = append(o, d.fields...)
	return o.MarshalJSON()
}

// headerFields are the document's own members besides source: a structure field of that name is
// published as "STRUCTURE.NAME" (e.g. "xclip-event.type").
var headerFields = map[string]bool{"type": true, "timestamp": true}

// sourceField is the field that names the stream a structure is about; it becomes the document's
// source when the element's source property is empty.
const sourceField = "source"

// documentOf reads a structure into a document, or returns ok=false when its name does not start with
// StructurePrefix. source is the element's source property ("" = the structure's own source field,
// else fallback). The structure is only read during the call.
func documentOf(s *C.GstStructure, source, fallback string) (d document, ok bool) {
	if s == nil {
		return d, false
	}
	d.kind = C.GoString(C.xmp_structure_name(s))
	if !strings.HasPrefix(d.kind, StructurePrefix) {
		return d, false
	}
	own := ""
	n := int(C.xmp_structure_n_fields(s))
	d.fields = make(object, 0, n)
	for i := range n {
		cname := C.xmp_structure_nth_field_name(s, C.int(i))
		name := C.GoString(cname)
		v := valueOf(C.xmp_structure_value(s, cname), 0)
		if name == sourceField {
			if str, isStr := v.(string); isStr {
				own = str
			}
			continue
		}
		if u, isUint := v.(uint64); isUint && u == clockTimeNone && clockTimeFields[name] {
			v = nil
		}
		if headerFields[name] {
			name = d.kind + "." + name // the header keeps its key: JSON objects must not repeat one
		}
		d.fields = append(d.fields, member{name, v})
	}
	switch {
	case source != "":
		d.source = source
	case own != "":
		d.source = own
	default:
		d.source = fallback
	}
	return d, true
}

// maxDepth bounds the recursion into nested arrays and structures.
const maxDepth = 16

// valueOf converts a GValue: strings, booleans, integers, floating point numbers, enums (their nick),
// GstValueArray and GstValueList (arrays), nested structures (objects); anything else becomes its
// GStreamer serialization (a fraction "30/1", flags), or null.
func valueOf(v *C.GValue, depth int) any {
	if v == nil {
		return nil
	}
	switch C.xmp_value_kind(v) {
	case C.XMP_KIND_STRING, C.XMP_KIND_ENUM:
		s := C.xmp_value_string(v)
		if s == nil {
			return nil
		}
		return C.GoString(s)
	case C.XMP_KIND_BOOL:
		return C.xmp_value_bool(v) != 0
	case C.XMP_KIND_INT:
		return int64(C.xmp_value_int(v))
	case C.XMP_KIND_UINT:
		return uint64(C.xmp_value_uint(v))
	case C.XMP_KIND_DOUBLE:
		return float64(C.xmp_value_double(v))
	case C.XMP_KIND_ARRAY:
		if depth >= maxDepth {
			return nil
		}
		n := int(C.xmp_value_array_size(v))
		out := make([]any, n)
		for i := range n {
			out[i] = valueOf(C.xmp_value_array_nth(v, C.int(i)), depth+1)
		}
		return out
	case C.XMP_KIND_STRUCTURE:
		st := C.xmp_value_structure(v)
		if st == nil || depth >= maxDepth {
			return nil
		}
		n := int(C.xmp_structure_n_fields(st))
		o := make(object, 0, n+1)
		o = append(o, member{"type", C.GoString(C.xmp_structure_name(st))})
		for i := range n {
			cname := C.xmp_structure_nth_field_name(st, C.int(i))
			o = append(o, member{C.GoString(cname), valueOf(C.xmp_structure_value(st, cname), depth+1)})
		}
		return o
	}
	text := C.xmp_value_serialize(v)
	if text == nil {
		return nil
	}
	defer C.xmp_free(unsafe.Pointer(text))
	return C.GoString(text)
}
