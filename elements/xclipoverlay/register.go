package xclipoverlay

/*
#include <stdlib.h>
#include "overlay.h"
*/
import "C"

import (
	"sync"
	"unsafe"

	"github.com/go-gst/go-glib/glib"
	"github.com/go-gst/go-gst/gst"
	"github.com/go-gst/go-gst/gst/base"

	"github.com/xclipfilter/xclipfilter/elements/internal/gstglue"
)

// ElementName is the factory name.
const ElementName = "xclipoverlay"

// elementType registers the GstXClipOverlay type once per process (GLib refuses a second
// registration of the same type name).
var elementType = sync.OnceValue(func() glib.Type {
	C.xov_debug_init()
	return glib.RegisterGoType("GstXClipOverlay", &element{}, base.ExtendsBaseTransform)
})

// elementOf returns the Go half of an xclipoverlay instance.
func elementOf(obj unsafe.Pointer) *element {
	e, _ := glib.FromObjectUnsafePrivate(obj).(*element)
	return e
}

// Register registers the xclipoverlay element with plugin: libgstxclip.so's init function calls it
// beside xclipfilter.Register.
func Register(plugin *gst.Plugin) bool {
	return gstglue.RegisterElement(plugin, ElementName, func() uintptr { return uintptr(elementType()) })
}

// staticPlugin describes the plugin RegisterStatic registers: xclipoverlay alone, under its own
// plugin name, so that it sits beside xclipfilter.RegisterStatic's "xclip".
func staticPlugin() *gst.PluginMetadata {
	return gstglue.PluginMetadata(ElementName, "Drawing xclipfilter results onto video", "0.1.0", "2026-12-02", Register)
}

// RegisterStatic registers xclipoverlay inside the running application (gst_plugin_register_static),
// so that gst.NewElement and gst.NewPipelineFromString find it; call it beside
// xclipfilter.RegisterStatic, after gst.Init. Do not also load libgstxclip.so into the same process.
// Calls after the first return the first call's error.
func RegisterStatic() error { return registerStatic() }

var registerStatic = gstglue.StaticRegistration(ElementName, staticPlugin)
