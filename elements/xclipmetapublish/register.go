package xclipmetapublish

/*
#include <stdlib.h>
#include "publish.h"
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
const ElementName = "xclipmetapublish"

// elementType registers the GstXClipMetaPublish type once per process (GLib refuses a second
// registration of the same type name).
var elementType = sync.OnceValue(func() glib.Type {
	C.xmp_debug_init()
	return glib.RegisterGoType("GstXClipMetaPublish", &element{}, base.ExtendsBaseTransform)
})

// elementOf returns the Go half of an xclipmetapublish instance.
func elementOf(obj unsafe.Pointer) *element {
	e, _ := glib.FromObjectUnsafePrivate(obj).(*element)
	return e
}

// Register registers the xclipmetapublish element with plugin: libgstxclip.so's init function calls it
// beside xclipfilter.Register.
func Register(plugin *gst.Plugin) bool {
	return gstglue.RegisterElement(plugin, ElementName, func() uintptr { return uintptr(elementType()) })
}

// staticPlugin describes the plugin RegisterStatic registers: xclipmetapublish alone, under its own
// plugin name, so that it sits beside xclipfilter.RegisterStatic's "xclip".
func staticPlugin() *gst.PluginMetadata {
	return gstglue.PluginMetadata(ElementName, "Publishing xclipfilter results to MQTT or a file", "0.1.0", "2026-12-02", Register)
}

// RegisterStatic registers xclipmetapublish inside the running application
// (gst_plugin_register_static), so that gst.NewElement and gst.NewPipelineFromString find it; call it
// beside xclipfilter.RegisterStatic, after gst.Init. Do not also load libgstxclip.so into the same
// process.
// Calls after the first return the first call's error.
func RegisterStatic() error { return registerStatic() }

var registerStatic = gstglue.StaticRegistration(ElementName, staticPlugin)
