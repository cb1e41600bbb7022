package xclipfilter

/*
#include <stdlib.h>
#include "xclip.h"
*/
import "C"

import (
	"errors"
	"sync"

	"github.com/go-gst/go-glib/glib"
	"github.com/go-gst/go-gst/gst"
	"github.com/go-gst/go-gst/gst/base"

	"github.com/xclipfilter/xclipfilter/elements/internal/gstglue"
)

// ElementName is the factory name; PluginName the plugin's (libgstxclip.so).
const (
	ElementName = "xclipfilter"
	PluginName  = "xclip"
	Version     = "0.1.0"
)

// elementType registers the GstXClipFilter type once per process (GLib refuses a second
// registration of the same type name).
var elementType = sync.OnceValue(func() glib.Type {
	C.xclip_debug_init()
	return glib.RegisterGoType("GstXClipFilter", &filter{}, base.ExtendsBaseTransform)
})

// Register registers the xclipfilter element with plugin (the plugin's init function, or
// gst_plugin_register_static's).
func Register(plugin *gst.Plugin) bool {
	return gstglue.RegisterElement(plugin, ElementName, func() uintptr { return uintptr(elementType()) })
}

// Plugin describes the xclip plugin; plugin/ exports it from libgstxclip.so. 2026-11-27 is the
// release date of version 0.1.0.
func Plugin() *gst.PluginMetadata {
	return gstglue.PluginMetadata(PluginName, "Zero-shot video classification with X-CLIP", Version, "2026-11-27", Register)
}

// RegisterStatic registers the xclip plugin, and with it the xclipfilter element, inside the running
// application (gst_plugin_register_static), so that gst.NewElement("xclipfilter") and
// gst.NewPipelineFromString find it. Call gst.Init first. Do not also load libgstxclip.so into the
// same process: each carries its own Go runtime and both would register xclipfilter.
// Calls after the first return the first call's error.
func RegisterStatic() error { return registerStatic() }

var registerStatic = gstglue.StaticRegistration(ElementName, Plugin)

// SetResultCallback makes a statically registered xclipfilter element call cb with every window's
// result (nil removes it). cb runs on the element's inference goroutine, or on the streaming thread for
// the last window at end of stream: it must return quickly. The bus message and the downstream event
// are sent as usual.
func SetResultCallback(element *gst.Element, cb func(Result)) error {
	if element == nil {
		return errors.New("xclipfilter: nil element")
	}
	var f *filter
	if obj := element.Unsafe(); obj != nil && C.g_type_check_instance_is_a((*C.GTypeInstance)(obj), C.GType(elementType())) != 0 {
		f = filterOf(obj)
	}
	if f == nil {
		return errors.New("xclipfilter: not an xclipfilter element registered in this process")
	}
	f.mu.Lock()
	f.callback = cb
	f.mu.Unlock()
	return nil
}
