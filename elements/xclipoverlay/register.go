package xclipoverlay

/*
#include <stdlib.h>
#include "overlay.h"
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
const ElementName = "xclipoverlay"

var (
	typeOnce sync.Once
	gtype    glib.Type
)

// elementType registers the GstXClipOverlay type once per process.
func elementType() glib.Type {
	typeOnce.Do(func() {
		C.xov_debug_init()
		gtype = glib.RegisterGoType("GstXClipOverlay", &element{}, base.ExtendsBaseTransform)
	})
	return gtype
}

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
	return &gst.PluginMetadata{
		MajorVersion: gst.VersionMajor,
		MinorVersion: gst.VersionMinor,
		Name:         ElementName,
		Description:  "Drawing xclipfilter results onto video",
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

// RegisterStatic registers xclipoverlay inside the running application (gst_plugin_register_static),
// so that gst.NewElement and gst.NewPipelineFromString find it; call it beside
// xclipfilter.RegisterStatic, after gst.Init. Do not also load libgstxclip.so into the same process.
func RegisterStatic() error {
	staticOnce.Do(func() {
		if !gst.RegisterPlugin(staticPlugin(), Register) {
			staticErr = errors.New("xclipoverlay: gst_plugin_register_static failed (was gst.Init called?)")
		}
	})
	return staticErr
}
