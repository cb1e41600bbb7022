// Command plugin builds libgstxclip.so, the GStreamer plugin holding the xclipfilter,
// xclipmetapublish and xclipoverlay elements:
//
//	go build -buildmode=c-shared -o bin/libgstxclip.so ./plugin    (or: make plugin)
//	GST_PLUGIN_PATH=$PWD/bin gst-inspect-1.0 xclipfilter
//	GST_PLUGIN_PATH=$PWD/bin gst-inspect-1.0 xclipmetapublish
//	GST_PLUGIN_PATH=$PWD/bin gst-inspect-1.0 xclipoverlay
//
// It only registers the elements; they live in elements/xclipfilter, elements/xclipmetapublish and
// elements/xclipoverlay.
// One .so holds every Go element: each c-shared object carries its own Go runtime.
package main

import "C"

import (
	"unsafe"

	"github.com/go-gst/go-gst/gst"

	"github.com/xclipfilter/xclipfilter/elements/xclipfilter"
	"github.com/xclipfilter/xclipfilter/elements/xclipmetapublish"
	"github.com/xclipfilter/xclipfilter/elements/xclipoverlay"
)

// pluginMeta is exported once: GStreamer calls gst_plugin_xclip_get_desc when it loads the file.
var pluginMeta = plugin()

// plugin is xclipfilter's plugin description, registering every element.
func plugin() *gst.PluginMetadata {
	m := xclipfilter.Plugin()
	m.Description = "Zero-shot video classification with X-CLIP, publishing its results to MQTT or files, " +
		"and drawing them onto the video"
	m.Init = func(p *gst.Plugin) bool {
		return xclipfilter.Register(p) && xclipmetapublish.Register(p) && xclipoverlay.Register(p)
	}
	return m
}

// gst_plugin_xclip_get_desc is the symbol GStreamer looks up in libgstxclip.so (gst_plugin_NAME_get_desc,
// NAME being the file name without "libgst").
//
//export gst_plugin_xclip_get_desc
func gst_plugin_xclip_get_desc() unsafe.Pointer { return pluginMeta.Export() }

func main() {}
