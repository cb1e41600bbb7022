package xclipfilter

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xclipfilter/xclipfilter/backend"
)

// launch runs gst-launch-1.0 (or gst-inspect-1.0) with the built plugin; it fails the test when the
// process dies of a signal (a crash) and returns the exit code and the output.
func launch(t *testing.T, tool string, env []string, timeout time.Duration, args ...string) (int, string) {
	t.Helper()
	bin := needTool(t, tool)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = launchEnv(t, env...)
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%s %v: timed out after %v\n%s", tool, args, timeout, tail(out))
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			t.Fatalf("%s crashed with %v\n%s", tool, ws.Signal(), tail(out))
		}
		return ee.ExitCode(), string(out)
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, string(out)
}

func tail(b []byte) string {
	if len(b) > 6000 {
		b = b[len(b)-6000:]
	}
	return string(b)
}

// launchResults parses the xclip messages gst-launch-1.0 -m printed.
func launchResults(t *testing.T, out string) []Result {
	t.Helper()
	var res []Result
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		const marker = `(element): `
		if i := strings.Index(line, marker); i >= 0 {
			line = line[i+len(marker):]
		}
		if strings.HasPrefix(line, "xclip,") {
			r, err := ParseString(line)
			if err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			res = append(res, r)
		}
	}
	return res
}

// args splits a pipeline description for exec (gst-launch-1.0 joins its arguments again).
func args(desc string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for _, r := range desc {
		switch {
		case r == '"':
			quoted = !quoted
			cur.WriteRune(r)
		case r == ' ' && !quoted:
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// TestInspect: gst-inspect-1.0 documents every property, both pad templates, the messages and events.
func TestInspect(t *testing.T) {
	code, out := launch(t, "gst-inspect-1.0", nil, time.Minute, "xclipfilter")
	if code != 0 {
		t.Fatalf("gst-inspect-1.0 xclipfilter: exit %d\n%s", code, out)
	}
	for _, p := range properties {
		// gst-inspect-1.0 pads names to 20 columns and a colon: a longer name is followed by the colon.
		if !(strings.Contains(out, "  "+p.name+" ") || strings.Contains(out, "  "+p.name+":")) || !strings.Contains(out, p.blurb[:30]) {
			t.Errorf("property %s is not documented", p.name)
		}
	}
	for _, want := range []string{
		"SINK template: 'sink'", "SRC template: 'src'", "(string)I420", "(string)NV12", "(string)xRGB",
		"GstBaseTransform", "GstXClipFilter", `element message "xclip"`, "GST_EVENT_CUSTOM_DOWNSTREAM",
		"GstVideoRegionOfInterestMeta", "changeable in NULL, READY, PAUSED or PLAYING state", `(2): cuda`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("gst-inspect-1.0 output lacks %q", want)
		}
	}
	code, out = launch(t, "gst-inspect-1.0", nil, time.Minute, "xclip")
	if code != 0 || !strings.Contains(out, "xclipfilter: X-CLIP video classifier") || !regexp.MustCompile(`License\s+MIT/X11`).MatchString(out) {
		t.Errorf("gst-inspect-1.0 xclip (exit %d):\n%s", code, out)
	}
}

// TestLaunchMatchesCLI: through gst-launch-1.0 and the built .so, the first window's message carries
// the logits `xclip classify` gives for the same frames.
func TestLaunchMatchesCLI(t *testing.T) {
	dir := tinyB(t) // 8 frames
	const labels = "a dog;a red ball;people dancing"
	_, loc, files := writeClip(t, 10, 80, 64)
	want := cliLogits(t, dir, labels, files[:8]...)
	desc := clipSource(loc, 10) + fmt.Sprintf(` ! xclipfilter model=%s labels="%s" frame-interval=1 window-stride=2 blocking=true ! fakesink`, dir, labels)
	code, out := launch(t, "gst-launch-1.0", nil, 2*time.Minute, append([]string{"-m"}, args(desc)...)...)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, tail([]byte(out)))
	}
	res := launchResults(t, out)
	// Windows end at frames 7 and 9.
	if len(res) != 2 || res[0].WindowStart != 0 || res[1].Final {
		t.Fatalf("results %+v", res)
	}
	if d := maxAbsDiff(res[0].Logits, want); d > 1e-5 {
		t.Errorf("first window %v, xclip classify %v (diff %g)", res[0].Logits, want, d)
	}
	if strings.Join(res[0].Labels, ";") != labels {
		t.Errorf("labels %q", res[0].Labels)
	}
}

// TestLaunchErrors: bad models and properties make gst-launch-1.0 fail with the element's error, not
// crash.
func TestLaunchErrors(t *testing.T) {
	dir := tinyA(t)
	for _, c := range []struct{ name, props, want string }{
		{"missing model", `model=/nonexistent/xclip labels=a`, "cannot load the X-CLIP model /nonexistent/xclip"},
		{"no model", `labels=a`, "no model: set the model property"},
		{"no labels", "model=" + dir, "no labels"},
		{"cuda", "model=" + dir + " labels=a device=cuda", "device=cuda is not available"},
		{"template", "model=" + dir + ` labels=a prompt-template=oops`, `prompt-template "oops" has no {}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.name == "cuda" && backend.CUDABuilt {
				t.Skip("a CUDA build opens the GPU")
			}
			code, out := launch(t, "gst-launch-1.0", nil, time.Minute,
				append([]string{"videotestsrc", "num-buffers=10", "!", "videoconvert", "!", "xclipfilter"}, append(args(c.props), "!", "fakesink")...)...)
			want := "ERROR: from element /GstPipeline:pipeline0/GstXClipFilter:xclipfilter0: " + c.want
			if code == 0 || !strings.Contains(out, want) {
				t.Errorf("exit %d; want a failure and %q in\n%s", code, want, out)
			}
		})
	}
	t.Run("unknown device", func(t *testing.T) {
		code, out := launch(t, "gst-launch-1.0", nil, time.Minute, "videotestsrc", "num-buffers=10", "!", "videoconvert", "!",
			"xclipfilter", "model="+dir, "labels=a", "device=gpu", "!", "fakesink")
		if code == 0 || !strings.Contains(out, `could not set property "device"`) {
			t.Errorf("exit %d:\n%s", code, out)
		}
	})
	t.Run("out of range", func(t *testing.T) {
		code, out := launch(t, "gst-launch-1.0", nil, time.Minute, "videotestsrc", "num-buffers=10", "!", "videoconvert", "!",
			"xclipfilter", "model="+dir, "labels=a", "frame-interval=0", "!", "fakesink")
		if !strings.Contains(out, "frame-interval") {
			t.Errorf("exit %d, no word about frame-interval:\n%s", code, out)
		}
	})
}

// TestLaunchGOGC1 runs the plugin in gst-launch-1.0 with its Go runtime collecting all the time.
func TestLaunchGOGC1(t *testing.T) {
	dir := tinyA(t)
	n := 2000
	if testing.Short() {
		n = 400
	}
	for i, format := range []string{"I420", "BGRx"} {
		desc := fmt.Sprintf(`videotestsrc num-buffers=%d pattern=ball ! video/x-raw,width=96,height=64,format=%s ! `+
			`xclipfilter model=%s labels="a;b;c" frame-interval=1 window-stride=1 attach-meta=true blocking=%v ! fakesink`, n, format, dir, i == 0)
		code, out := launch(t, "gst-launch-1.0", []string{"GOGC=1", "GODEBUG=cgocheck=1"}, 3*time.Minute, append([]string{"-m"}, args(desc)...)...)
		res := launchResults(t, out)
		if code != 0 || len(res) == 0 {
			t.Errorf("%s: exit %d, %d results\n%s", format, code, len(res), tail([]byte(out)))
		}
	}
}

// rss reads a process's resident set size in kB.
func rss(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				return strconv.Atoi(f[1])
			}
		}
	}
	return 0, errors.New("no VmRSS")
}

// TestLaunchMemory classifies thousands of windows in one gst-launch-1.0 process: its resident memory
// stays flat once warm.
func TestLaunchMemory(t *testing.T) {
	dir := tinyA(t)
	n := 6000
	if testing.Short() {
		n = 2000
	}
	desc := fmt.Sprintf(`videotestsrc num-buffers=%d pattern=ball ! video/x-raw,width=96,height=64,framerate=30/1 ! videoconvert ! `+
		`xclipfilter model=%s labels="a ball;a dog;a car" frame-interval=1 window-stride=1 blocking=true attach-meta=true ! fakesink`, n, dir)
	cmd := exec.Command(needTool(t, "gst-launch-1.0"), args(desc)...)
	cmd.Env = launchEnv(t)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var samples []int
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
wait:
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("gst-launch-1.0: %v\n%s", err, tail(out.Bytes()))
			}
			break wait
		case <-tick.C:
			if kb, err := rss(cmd.Process.Pid); err == nil {
				samples = append(samples, kb)
			}
			if time.Since(start) > 8*time.Minute {
				cmd.Process.Kill()
				t.Fatal("timed out")
			}
		}
	}
	elapsed := time.Since(start)
	if len(samples) < 20 {
		t.Fatalf("only %d RSS samples in %v", len(samples), elapsed)
	}
	// Compare the warm middle of the run with its end.
	q := len(samples) / 5
	warm := append([]int(nil), samples[q:2*q]...)
	end := append([]int(nil), samples[len(samples)-q:]...)
	sort.Ints(warm)
	sort.Ints(end)
	median := func(x []int) int { return x[len(x)/2] }
	growth := median(end) - median(warm)
	t.Logf("%d windows in %v: RSS median %d kB early, %d kB at the end (max %d kB)", n-2, elapsed.Round(time.Second),
		median(warm), median(end), end[len(end)-1])
	if growth > 8*1024 || float64(growth) > 0.1*float64(median(warm)) {
		t.Errorf("RSS grew by %d kB over the run (from %d kB)", growth, median(warm))
	}
}

// TestFileScript runs examples/pipelines/file.sh, the main job's pipeline, on a small video file: a
// line of text per window by default, a JSON object per window with FORMAT=json.
func TestFileScript(t *testing.T) {
	dir := tinyA(t)
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	launchBin := needTool(t, "gst-launch-1.0")
	_, loc, _ := writeClip(t, 12, 64, 48)
	video := filepath.Join(t.TempDir(), "clip.mkv")
	mk := exec.Command(launchBin, append([]string{"-q"}, args(clipSource(loc, 12)+" ! matroskamux ! filesink location="+video)...)...)
	if out, err := mk.CombinedOutput(); err != nil {
		t.Fatalf("making the clip: %v\n%s", err, out)
	}
	script := filepath.Join(moduleRoot(t), "examples", "pipelines", "file.sh")
	run := func(format string) []string {
		cmd := exec.Command(bash, script, video)
		cmd.Env = launchEnv(t, "MODEL="+dir, "LABELS=a ball;a dog", "FRAME_INTERVAL=1", "FORMAT="+format)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("file.sh (FORMAT=%s): %v\n%s%s", format, err, out, stderr.Bytes())
		}
		return strings.Split(strings.TrimSpace(string(out)), "\n")
	}
	lines := run("json")
	if len(lines) != 4 {
		t.Fatalf("FORMAT=json: %d lines, want 4 windows:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	for i, l := range lines {
		var r jsonResult
		if err := json.Unmarshal([]byte(l), &r); err != nil || r.Window != uint64(i+1) || strings.Join(r.Labels, ";") != "a ball;a dog" {
			t.Errorf("FORMAT=json line %d: %q (%v)", i, l, err)
		}
	}
	lines = run("text")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "00:00:00.000–00:00:00.") || !strings.Contains(lines[0], "  window 1  a ") {
		t.Errorf("FORMAT=text printed:\n%s", strings.Join(lines, "\n"))
	}
}
