// Command plugin builds libgstxclip.so, the GStreamer plugin holding the xclipfilter element:
//
//	go build -buildmode=c-shared -o bin/libgstxclip.so ./plugin    (or: make plugin)
//	GST_PLUGIN_PATH=$PWD/bin gst-inspect-1.0 xclipfilter
//
// It only registers the element; the element lives in elements/xclipfilter.
package main

import "C"

import (
	"unsafe"

	"github.com/xclipfilter/xclipfilter/elements/xclipfilter"
)

// pluginMeta is exported once: GStreamer calls gst_plugin_xclip_get_desc when it loads the file.
var pluginMeta = xclipfilter.Plugin()

// gst_plugin_xclip_get_desc is the symbol GStreamer looks up in libgstxclip.so (gst_plugin_NAME_get_desc,
// NAME being the file name without "libgst").
//
//export gst_plugin_xclip_get_desc
func gst_plugin_xclip_get_desc() unsafe.Pointer { return pluginMeta.Export() }

func main() {}
