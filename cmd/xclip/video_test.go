//go:build cgo

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// writeClip writes n deterministic RGB frames as PNG files and muxes them, losslessly (raw RGB in
// Matroska, 10 fps), into a video file with gst-launch-1.0.
func writeClip(t *testing.T, n, w, h int) (video string, frames []string) {
	t.Helper()
	launch, err := exec.LookPath("gst-launch-1.0")
	if err != nil {
		t.Skip("gst-launch-1.0 not installed (gstreamer1.0-tools)")
	}
	dir := t.TempDir()
	for i := range n {
		pix := make([]byte, 3*w*h)
		for y := range h {
			for x := range w {
				p := pix[3*(y*w+x):]
				p[0] = byte(40 + 180*x/w + 7*i)
				p[1] = byte(60 + 150*y/h)
				d := math.Hypot(float64(x-w/4-5*i), float64(y-h/2))
				p[2] = byte(200 * math.Exp(-d*d/200))
			}
		}
		f := filepath.Join(dir, fmt.Sprintf("f%03d.png", i))
		writePNG(t, f, pix, h, w)
		frames = append(frames, f)
	}
	video = filepath.Join(dir, "clip.mkv")
	cmd := exec.Command(launch, "-q", "multifilesrc", "location="+filepath.Join(dir, "f%03d.png"), "index=0",
		fmt.Sprintf("stop-index=%d", n-1), "caps=image/png,framerate=10/1", "!", "pngdec", "!", "videoconvert", "!",
		"video/x-raw,format=RGB", "!", "matroskamux", "!", "filesink", "location="+video)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("making %s: %v\n%s", video, err, out)
	}
	return video, frames
}

func parseTimeline(t *testing.T, out string) []timelineEntry {
	t.Helper()
	var entries []timelineEntry
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var e timelineEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		entries = append(entries, e)
	}
	return entries
}

// ns and sec read a timeline time, failing on null (every frame of a file has a PTS).
func ns(t *testing.T, v *uint64) int64 {
	t.Helper()
	if v == nil {
		t.Fatal("time is null")
	}
	return int64(*v)
}

func sec(t *testing.T, v *float64) float64 {
	t.Helper()
	if v == nil {
		t.Fatal("time is null")
	}
	return *v
}

// checkAgainstImages classifies the window's frames as images and compares the logits and top label.
func checkAgainstImages(t *testing.T, dir, labels string, e timelineEntry, frames ...string) {
	t.Helper()
	code, img, errOut := runCLI(t, append([]string{"classify", "--model", dir, "--labels", labels, "--json"}, frames...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var want classifyResult
	if err := json.Unmarshal([]byte(img), &want); err != nil {
		t.Fatal(err)
	}
	for k := range want.Logits {
		if d := math.Abs(float64(want.Logits[k] - e.Logits[k])); d > 1e-5 {
			t.Errorf("window %d logit %d: video %g, images %g", e.Window, k, e.Logits[k], want.Logits[k])
		}
	}
	if e.TopLabel != want.TopLabel {
		t.Errorf("window %d: top %q, images %q", e.Window, e.TopLabel, want.TopLabel)
	}
}

// TestClassifyVideo: a video file gives a timeline whose windows have the logits `xclip classify`
// gives for the same frames as images, at the frames' times.
func TestClassifyVideo(t *testing.T) {
	dir := tinyModelDir(t) // 3 frames
	video, frames := writeClip(t, 11, 80, 60)
	const labels = "a red ball;a blue sky;a dog"
	code, out, errOut := runCLI(t, "classify", "--model", dir, "--labels", labels, "--frame-interval", "1", "--window-stride", "2", video)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	tl := parseTimeline(t, out)
	// Windows end at frames 2, 4, 6, 8, 10: five full windows, nothing left for a final one.
	if len(tl) != 5 {
		t.Fatalf("%d windows:\n%s", len(tl), out)
	}
	for i, e := range tl {
		first := 2 * i
		if e.Window != uint64(i+1) || ns(t, e.StartNS) != int64(first)*100_000_000 || ns(t, e.EndNS) != int64(first+2)*100_000_000 ||
			math.Abs(sec(t, e.Start)-float64(first)/10) > 1e-9 || e.Final {
			t.Errorf("window %d: %+v", i+1, e)
		}
		if strings.Join(e.Labels, ";") != labels || len(e.Logits) != 3 || len(e.Scores) != 3 || e.TopLabel == "" {
			t.Errorf("window %d: %+v", i+1, e)
		}
		checkAgainstImages(t, dir, labels, e, frames[first], frames[first+1], frames[first+2])
	}

	// Defaults (frame-interval 4, stride = 3): frames 0, 4, 8 make one window; the template applies.
	code, out, errOut = runCLI(t, "classify", "--model", dir, "--labels", labels, "--template", "a video of {}", video)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	tl = parseTimeline(t, out)
	if len(tl) != 1 || ns(t, tl[0].StartNS) != 0 || ns(t, tl[0].EndNS) != 800_000_000 || tl[0].Labels[0] != "a red ball" {
		t.Errorf("default sampling:\n%s", out)
	}

	// A partial window at the end (frames 9 and 10 after windows ending at 2, 5, 8) is marked final.
	code, out, _ = runCLI(t, "classify", "--model", dir, "--labels", labels, "--frame-interval", "1", "--window-stride", "3", video)
	tl = parseTimeline(t, out)
	if code != 0 || len(tl) != 4 || !tl[3].Final || ns(t, tl[3].EndNS) != 1_000_000_000 {
		t.Errorf("stride 3 (exit %d):\n%s", code, out)
	}
}

// TestClassifyVideoStrides: RGB frames 81 pixels wide have rows of 243 bytes that videoconvert pads
// to 244; the element reads them through their strides, so each window is classified as its frames
// are as images.
func TestClassifyVideoStrides(t *testing.T) {
	dir := tinyModelDir(t) // 3 frames
	video, frames := writeClip(t, 6, 81, 37)
	const labels = "a red ball;a blue sky"
	code, out, errOut := runCLI(t, "classify", "--model", dir, "--labels", labels, "--frame-interval", "1", video)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	tl := parseTimeline(t, out)
	if len(tl) != 2 {
		t.Fatalf("%d windows:\n%s", len(tl), out)
	}
	for i, e := range tl {
		checkAgainstImages(t, dir, labels, e, frames[3*i:3*i+3]...)
	}
}

func TestClassifyVideoErrors(t *testing.T) {
	dir := tinyModelDir(t)
	if _, err := exec.LookPath("gst-launch-1.0"); err != nil {
		t.Skip("GStreamer tools not installed")
	}
	tmp := t.TempDir()
	text := filepath.Join(tmp, "notes.txt")
	if err := os.WriteFile(text, []byte("not a video at all\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"missing video", []string{filepath.Join(tmp, "none.mp4")}, 1, "none.mp4"},
		{"not a video", []string{text}, 1, "notes.txt"},
		{"folder", []string{tmp}, 1, "directory"},
		{"bad interval", []string{"--frame-interval", "0", text}, 2, "--frame-interval"},
		{"interval too large", []string{"--frame-interval", "10001", text}, 2, "--frame-interval"},
		{"bad threads", []string{"--threads", "-1", text}, 1, "threads -1"},
		{"bad dtype", []string{"--dtype", "fp8", text}, 1, `unknown precision "fp8"`},
		{"fp16 on the CPU", []string{"--device", "cpu", "--dtype", "fp16", text}, 1, "precision=fp16 needs device=cuda"},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"classify", "--model", dir, "--labels", "a;b"}, c.args...)
			code, _, errOut := runCLI(t, args...)
			if code != c.code || !strings.Contains(errOut, c.msg) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", code, errOut, c.code, c.msg)
			}
		})
	}
}

// TestClassifyClipMP4 classifies the main job's clip (H.264, 240 frames at 30 fps, I420 converted by
// the element itself): 60 sampled frames make 20 windows of 3, 400 ms apart.
func TestClassifyClipMP4(t *testing.T) {
	dir := tinyModelDir(t)
	if _, err := exec.LookPath("gst-inspect-1.0"); err != nil {
		t.Skip("GStreamer tools not installed")
	}
	code, out, errOut := runCLI(t, "classify", "--model", dir, "--labels", "a ball;a dog", filepath.Join("..", "..", "testdata", "clip.mp4"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	tl := parseTimeline(t, out)
	if len(tl) != 20 {
		t.Fatalf("%d windows, want 20:\n%s", len(tl), out)
	}
	first := ns(t, tl[0].StartNS)
	for i, e := range tl {
		start, end := ns(t, e.StartNS), ns(t, e.EndNS)
		if e.Window != uint64(i+1) || e.Final || math.Abs(float64(start-first-int64(i)*400_000_000)) > 1e6 ||
			math.Abs(float64(end-start-266_666_667)) > 1e6 {
			t.Errorf("window %d: %+v", i+1, e)
		}
		if sum := e.Scores[0] + e.Scores[1]; math.Abs(float64(sum)-1) > 1e-5 || e.TopLabel == "" {
			t.Errorf("window %d: scores %v, top %q", i+1, e.Scores, e.TopLabel)
		}
	}
}
