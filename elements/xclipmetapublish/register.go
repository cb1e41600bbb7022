package xclipmetapublish

/*
#include <stdlib.h>
#include "publish.h"
*/
import "C"

import (
	"errors"
	"sync"
	"unsafe"

	"github.com/go-gst/go-glib/glib"
	"github.com/go-gst/go-gst/gst"
	"github.com/go-gst/go-gst/gst/base"

	"github.com/xclipfilter/xclipfilter/elements/internal/gstglue"
)

// ElementName is the factory name.
const ElementName = "xclipmetapublish"

var (
	typeOnce sync.Once
	gtype    glib.Type
)

// elementType registers the GstXClipMetaPublish type once per process.
func elementType() glib.Type {
	typeOnce.Do(func() {
		C.xmp_debug_init()
		gtype = glib.RegisterGoType("GstXClipMetaPublish", &element{}, base.ExtendsBaseTransform)
	})
	return gtype
}

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
	return &gst.PluginMetadata{
		MajorVersion: gst.VersionMajor,
		MinorVersion: gst.VersionMinor,
		Name:         ElementName,
		Description:  "Publishing xclipfilter results to MQTT or a file",
		Version:      "0.1.0",
		License:      gst.LicenseMIT,
		Source:       "xclipfilter",
		Package:      "xclipfilter",
		Origin:       "https://github.com/xclipfilter/xclipfilter",
		ReleaseDate:  "2026-12-02",
		Init:         Register,
	}
}

var (
	staticOnce sync.Once
	staticErr  error
)

// RegisterStatic registers xclipmetapublish inside the running application
// (gst_plugin_register_static), so that gst.NewElement and gst.NewPipelineFromString find it; call it
// beside xclipfilter.RegisterStatic, after gst.Init. Do not also load libgstxclip.so into the same
// process.
func RegisterStatic() error {
	staticOnce.Do(func() {
		if !gst.RegisterPlugin(staticPlugin(), Register) {
			staticErr = errors.New("xclipmetapublish: gst_plugin_register_static failed (was gst.Init called?)")
		}
	})
	return staticErr
}
