package gstglue

/*
#cgo pkg-config: gstreamer-1.0
#include <stdlib.h>
#include <gst/gst.h>
*/
import "C"

import (
	"runtime"
	"unsafe"

	"github.com/go-gst/go-gst/gst"
)

// RegisterElement registers the element factory name, of the GType that gtype returns, with plugin
// (nil: a static registration) at rank NONE; false when GStreamer refuses it or gtype panics (no panic
// may cross cgo: this runs inside a plugin's init function).
func RegisterElement(plugin *gst.Plugin, name string, gtype func() uintptr) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			ok = false
		}
	}()
	var p *C.GstPlugin
	if plugin != nil {
		p = (*C.GstPlugin)(unsafe.Pointer(plugin.Instance()))
	}
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	defer runtime.KeepAlive(plugin)
	return C.gst_element_register(p, cname, C.GST_RANK_NONE, C.GType(gtype())) != 0
}
