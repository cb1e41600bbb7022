package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xclipfilter/xclipfilter/internal/golden"
)

// TestEmbed runs the example on a videotestsrc clip with a golden tiny model (3 frames a window):
// 30 frames, every 2nd sampled, give 15 sampled frames, windows of 3 without overlap: 5 results.
func TestEmbed(t *testing.T) {
	dir := golden.Fixture(t, "xclip-tiny-a")
	var out, errOut bytes.Buffer
	code := run([]string{"--model", dir, "--labels", "a ball;a dog", "--frames", "30", "--frame-interval", "2"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 6 || lines[5] != "5 windows" || !strings.HasPrefix(lines[0], "window   1    0.000s -   0.133s  a ") {
		t.Errorf("output:\n%s", out.String())
	}
	code = run([]string{"--model", "/nonexistent", "--frames", "5"}, &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "cannot load the X-CLIP model /nonexistent") {
		t.Errorf("bad model: exit %d, %s", code, errOut.String())
	}
	errOut.Reset()
	code = run([]string{"--model", dir, "--input", "/nonexistent/video.mp4"}, &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "cannot read the input video: open /nonexistent/video.mp4: no such file or directory") {
		t.Errorf("missing input: exit %d, %s", code, errOut.String())
	}
}
