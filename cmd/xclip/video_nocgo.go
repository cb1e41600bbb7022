//go:build !cgo

package main

import (
	"errors"
	"io"
)

// Without cgo there is no GStreamer, and no xclipfilter element: classify reads images only, and says
// so for a video file.

func classifyVideo(classifyOptions, string, *videoFlags, io.Writer, io.Writer) error {
	return errors.New("this xclip was built without cgo: classifying a video file needs GStreamer " +
		"(build with CGO_ENABLED=1 and the GStreamer development packages)")
}
