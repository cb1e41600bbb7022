//go:build cgo

package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestWatchUsage: mistakes in watch's command line are usage errors (exit 2) that name the problem,
// found before anything starts.
func TestWatchUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"watch", "cam=rtsp://h/s"}, "--model is required"},
		{[]string{"watch", "--model", "m", "cam=rtsp://h/s"}, "--labels"},
		{[]string{"watch", "--model", "m", "--labels", "a;b"}, "no source"},
		{[]string{"watch", "--model", "m", "--labels", "a;b", "rtsp://h/s"}, "want NAME=URI"},
		{[]string{"watch", "--model", "m", "--labels", "a;b", "cam=ftp://h/s"}, "unsupported URI"},
		{[]string{"watch", "--model", "m", "--labels", "a;b", "--publish", "tcp://h", "cam=rtsp://h/s"}, "mqtt://HOST"},
		{[]string{"watch", "--model", "m", "--labels", "a;b", "--backoff-min", "0s", "cam=rtsp://h/s"}, "--backoff-min"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(c.args, &stdout, &stderr); code != exitUsage || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%q: exit %d, stderr %q; want %d and %q", c.args, code, stderr.String(), exitUsage, c.want)
		}
	}
}
