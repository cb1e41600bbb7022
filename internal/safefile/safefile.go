// Package safefile reads the files a user or a downloaded checkpoint folder names — config.json,
// tokenizer files, index and manifest JSON, labels files, frames — so that a hostile or mistaken path
// can never take the process down: only regular files are read (after following symlinks, which the
// Hugging Face hub cache uses), a FIFO or a device is refused without blocking on it, and every kind of
// file has a size cap, checked before anything is read and again while reading (a file may grow).
//
// The caps are generous multiples of the largest published files:
//
//	config.json, preprocessor_config.json       ConfigLimit     1 MiB  (published: ~2 KiB)
//	tokenizer.json                              TokenizerLimit 32 MiB  (published CLIP: ~2-4 MiB)
//	vocab.json, merges.txt                      VocabLimit     16 MiB  (published: ~0.9 and ~0.5 MiB)
//	model.safetensors.index.json                IndexLimit     16 MiB  (published: ~30-100 KiB)
//	weights_manifest.json (formula weights)     IndexLimit     16 MiB
//	labels file of the element                  LabelsLimit     1 MiB  (thousands of labels)
//	frame image of xclip classify               FrameLimit      1 GiB  (the pixel count is capped too)
package safefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Size caps per kind of file (see the package doc).
const (
	ConfigLimit    = 1 << 20
	TokenizerLimit = 32 << 20
	VocabLimit     = 16 << 20
	IndexLimit     = 16 << 20
	LabelsLimit    = 1 << 20
	FrameLimit     = 1 << 30
)

// ErrNotRegular is wrapped by the error for a path that is a directory, FIFO, socket or device.
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge is wrapped by the error for a file over its kind's size cap.
var ErrTooLarge = errors.New("file too large")

// Open opens path for reading if, after following symlinks, it is a regular file of at most max bytes
// (max <= 0: no cap). kind names the file in errors ("config.json", "labels file"). A reader that
// streams the file should still stop at max bytes: the check is made at open.
func Open(path, kind string, max int64) (*os.File, error) {
	f, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s %s: %w", kind, path, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s %s: %w: it is %s", kind, path, ErrNotRegular, describe(fi.Mode()))
	}
	if max > 0 && fi.Size() > max {
		f.Close()
		return nil, tooLarge(path, kind, fi.Size(), max)
	}
	return f, nil
}

// ReadFile reads a whole regular file of at most max bytes (see Open).
func ReadFile(path, kind string, max int64) ([]byte, error) {
	f, err := Open(path, kind, max)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := io.Reader(f)
	if max > 0 {
		r = io.LimitReader(f, max+1)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", kind, path, err)
	}
	if max > 0 && int64(len(data)) > max {
		return nil, tooLarge(path, kind, int64(len(data)), max)
	}
	return data, nil
}

func tooLarge(path, kind string, size, max int64) error {
	return fmt.Errorf("%s %s: %w: %d bytes or more, over the %d-byte limit for a %s", kind, path, ErrTooLarge, size, max, kind)
}

// describe names a non-regular file type for errors.
func describe(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeIrregular != 0:
		return "an irregular file"
	}
	return fmt.Sprintf("of mode %v", m)
}
