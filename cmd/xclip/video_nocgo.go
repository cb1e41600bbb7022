//go:build !cgo

package main

import (
	"errors"
	"flag"
	"io"
	"path/filepath"
	"strings"

	"github.com/xclipfilter/xclipfilter/model"
)

// Without cgo there is no GStreamer: classify reads images only, and says so for a video file.

type videoFlags struct{}

func addVideoFlags(*flag.FlagSet) *videoFlags { return &videoFlags{} }

func isVideo(files []string) bool {
	if len(files) != 1 {
		return false
	}
	switch strings.ToLower(filepath.Ext(files[0])) {
	case ".png", ".jpg", ".jpeg":
		return false
	}
	return true
}

func classifyVideo(*model.Classifier, model.LabelSet, string, *videoFlags, io.Writer, io.Writer) error {
	return errors.New("this xclip was built without cgo: classifying a video file needs GStreamer " +
		"(build with CGO_ENABLED=1 and the GStreamer development packages)")
}
