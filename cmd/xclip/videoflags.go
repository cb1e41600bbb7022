package main

import (
	"flag"
	"fmt"
	"path/filepath"
	"strings"
)

// videoFlags are classify's flags for a video file, the xclipfilter properties of the same names.
type videoFlags struct {
	frameInterval, windowStride *int
}

func addVideoFlags(fs *flag.FlagSet) *videoFlags {
	return &videoFlags{
		frameInterval: fs.Int("frame-interval", 4, "video: sample every Nth frame into the window"),
		windowStride:  fs.Int("window-stride", 0, "video: sampled frames between two windows (0: the model's num_frames, no overlap)"),
	}
}

// isVideo reports whether classify's FRAME arguments are one video file rather than images.
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

// maxVideoFlag is the largest frame-interval and window-stride the element takes.
const maxVideoFlag = 10000

// check refuses values the element's properties would not take.
func (vf *videoFlags) check() error {
	if n := *vf.frameInterval; n < 1 || n > maxVideoFlag {
		return usageError{fmt.Errorf("--frame-interval must be 1 to %d, got %d", maxVideoFlag, n)}
	}
	if n := *vf.windowStride; n < 0 || n > maxVideoFlag {
		return usageError{fmt.Errorf("--window-stride must be 0 to %d, got %d", maxVideoFlag, n)}
	}
	return nil
}
