//go:build !cgo

package main

import (
	"errors"
	"io"
)

func runWatch([]string, io.Writer, io.Writer) error {
	return errors.New("this xclip was built without cgo: watch needs GStreamer " +
		"(build with CGO_ENABLED=1 and the GStreamer development packages)")
}
