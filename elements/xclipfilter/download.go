package xclipfilter

/*
#include <stdlib.h>
#include "xclip.h"
*/
import "C"

import (
	"context"
	"fmt"
	"runtime"
	"time"
	"unsafe"

	"github.com/go-gst/go-gst/gst"

	"github.com/xclipfilter/xclipfilter/model/hub"
)

// DownloadStructureName names the element message that reports the download of a checkpoint given by
// hub id, while the element starts.
const DownloadStructureName = "xclip-download"

// Field names of the download message, allocated once.
var (
	cDownloadName = C.CString(DownloadStructureName)
	cFile         = C.CString("file")
	cBytes        = C.CString("bytes")
	cTotal        = C.CString("total")
)

// resolveModel turns the model property into a checkpoint folder: a folder as it is; a hub id
// (org/name[@revision]) through the Hugging Face cache, downloading what is missing with progress
// posted as xclip-download messages and a fallback to the cache posted as a warning.
func (f *filter) resolveModel(s string) (string, error) {
	dir, err := hub.ResolveModel(context.Background(), s, hub.Throttle(500*time.Millisecond, f.postDownload),
		func(msg string) {
			f.log(C.GST_LEVEL_WARNING, msg)
			f.postMessage(false, domainResource, codeNotFound, "xclipfilter: "+msg, "")
		})
	if err != nil {
		return "", &startError{domainResource, codeNotFound, fmt.Sprintf("cannot load the X-CLIP model %s: %v", s, err)}
	}
	return dir, nil
}

// postDownload posts one xclip-download message: file (string), bytes and total (guint64; total is
// G_MAXUINT64 when the hub gave no size).
func (f *filter) postDownload(file string, done, total int64) {
	if f.self == nil {
		return
	}
	s := C.xclip_structure_new(cDownloadName)
	setString(s, cFile, file)
	C.xclip_set_uint64(s, cBytes, C.guint64(done))
	C.xclip_set_uint64(s, cTotal, C.guint64(total)) // -1 (unknown size) becomes G_MAXUINT64
	C.xclip_post_structure(f.self, s)
	C.xclip_structure_free(s)
}

// Download is one xclip-download message: how much of a checkpoint file has been fetched.
type Download struct {
	File         string
	Bytes, Total uint64 // Total is G_MAXUINT64 when unknown
}

// ParseDownloadMessage reads an xclip-download element message; ok is false for any other message.
func ParseDownloadMessage(msg *gst.Message) (d Download, ok bool) {
	if msg == nil || msg.Type() != gst.MessageElement {
		return d, false
	}
	defer runtime.KeepAlive(msg)
	s := C.xclip_message_structure((*C.GstMessage)(unsafe.Pointer(msg.Instance())))
	if s == nil || C.GoString(C.xclip_structure_name(s)) != DownloadStructureName {
		return d, false
	}
	var str *C.char
	var u C.guint64
	if C.xclip_get_string(s, cFile, &str) == 0 || str == nil {
		return d, false
	}
	d.File = C.GoString(str)
	if C.xclip_get_uint64(s, cBytes, &u) == 0 {
		return d, false
	}
	d.Bytes = uint64(u)
	if C.xclip_get_uint64(s, cTotal, &u) == 0 {
		return d, false
	}
	d.Total = uint64(u)
	return d, true
}
