package gstglue

/*
#cgo pkg-config: gstreamer-1.0
#include "gstglue.h"
*/
import "C"

import (
	"path/filepath"
	"runtime"
	"strings"
	"unsafe"
)

// ElementState returns GST_STATE of the GstElement elem (a GstState), read under its object lock.
func ElementState(elem unsafe.Pointer) int { return int(C.gstglue_element_state(elem)) }

// Error domains of PostMessage.
const (
	DomainResource = 0
	DomainStream   = 1
	DomainLibrary  = 2
	DomainCore     = 3
)

// PostMessage posts an error (isError) or warning message from the GstElement elem, in domain (one of
// the Domain constants) with that domain's code; debug "" is none. file, function and line say where.
func PostMessage(elem unsafe.Pointer, isError bool, domain, code int, text, debug, file, function string, line int) {
	ct, cd, cf, cfn := C.CString(text), C.CString(debug), C.CString(file), C.CString(function)
	C.gstglue_post_message_full(elem, gbool(isError), C.int(domain), C.int(code), ct, cd, cf, cfn, C.int(line))
	C.free(unsafe.Pointer(ct))
	C.free(unsafe.Pointer(cd))
	C.free(unsafe.Pointer(cf))
	C.free(unsafe.Pointer(cfn))
}

// Caller says where the caller skip frames up is (0: Caller's caller), for PostMessage: its file's base
// name, its function's name without the package, its line; fallback, "" and 0 when unknown.
func Caller(skip int, fallback string) (file, function string, line int) {
	file = fallback
	if pc, path, l, ok := runtime.Caller(skip + 1); ok {
		file, line = filepath.Base(path), l
		if fn := runtime.FuncForPC(pc); fn != nil {
			function = fn.Name()[strings.LastIndex(fn.Name(), ".")+1:]
		}
	}
	return file, function, line
}

// Log writes msg at level (a GstDebugLevel) to the GstDebugCategory cat, naming the GObject obj when it
// is not nil; file is the log line's file field. Nothing when the category's threshold is below level.
func Log(cat, obj unsafe.Pointer, level int, file, msg string) {
	cf, cm := C.CString(file), C.CString(msg)
	C.gstglue_log(cat, obj, C.GstDebugLevel(level), cf, cm)
	C.free(unsafe.Pointer(cf))
	C.free(unsafe.Pointer(cm))
}

// CStrings keeps the C strings made for one class setup call and frees them all at once (GStreamer
// copies class metadata): cs := new(CStrings); defer cs.Free(); setup(cs.C("a"), cs.C("b")).
type CStrings struct{ strs []unsafe.Pointer }

// C returns a C copy of s (a *C.char of the caller's package: convert with (*C.char)(p)), freed by Free.
func (c *CStrings) C(s string) unsafe.Pointer {
	p := unsafe.Pointer(C.CString(s))
	c.strs = append(c.strs, p)
	return p
}

// Free frees every string C returned.
func (c *CStrings) Free() {
	for _, p := range c.strs {
		C.free(p)
	}
	c.strs = nil
}
