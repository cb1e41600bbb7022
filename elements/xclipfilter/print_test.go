package xclipfilter

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// printLabels has UTF-8 labels, which print writes as they are.
const printLabels = "a ball;ünïcødé 球;a dog"

// printRun runs 12 frames at 30 fps through the tiny checkpoint (3 frames a window: windows of frames
// 0-2, 3-5, 6-8 and 9-11) twice: with gst-launch-1.0 -q and print=mode, returning the lines of its
// standard output (nothing else is printed there), and with -m, returning the messages to compare
// with. Two runs, because gst-launch's own -m lines go through a stdio buffer that the element's
// writes may land in the middle of.
func printRun(t *testing.T, mode string) ([]string, []Result) {
	t.Helper()
	cmd := exec.Command(needTool(t, "gst-launch-1.0"), append([]string{"-q"}, printPipeline(t, mode)...)...)
	cmd.Env = launchEnv(t)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("gst-launch-1.0 -q print=%s: %v\n%s%s", mode, err, out, stderr.String())
	}
	code, mout := launch(t, "gst-launch-1.0", nil, 2*time.Minute, append([]string{"-m"}, printPipeline(t, "none")...)...)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, tail([]byte(mout)))
	}
	return strings.Split(strings.TrimSuffix(string(out), "\n"), "\n"), launchResults(t, mout)
}

func printPipeline(t *testing.T, mode string) []string {
	return args(fmt.Sprintf(`videotestsrc num-buffers=12 pattern=ball ! video/x-raw,width=64,height=48,framerate=30/1 ! `+
		`videoconvert ! xclipfilter model=%s labels="%s" frame-interval=1 top-k=2 blocking=true print=%s ! fakesink`,
		tinyA(t), printLabels, mode))
}

// TestFormatClock: HH:MM:SS.mmm, truncated to the millisecond, and a placeholder for unknown times.
func TestFormatClock(t *testing.T) {
	for ns, want := range map[uint64]string{0: "00:00:00.000", 166_666_666: "00:00:00.166",
		3_723_004_000_000: "01:02:03.004", ClockTimeNone: "--:--:--.---"} {
		if got := formatClock(ns); got != want {
			t.Errorf("formatClock(%d) = %q, want %q", ns, got, want)
		}
	}
}

// TestPrintText: print=text writes one line per window on stdout, with the times, the window and the
// top-k labels and scores of the same run's messages.
func TestPrintText(t *testing.T) {
	lines, res := printRun(t, "text")
	if len(res) != 4 || len(lines) != len(res) {
		t.Fatalf("%d messages, %d printed lines:\n%s", len(res), len(lines), strings.Join(lines, "\n"))
	}
	if want := "00:00:00.100–00:00:00.166  window 2  "; !strings.HasPrefix(lines[1], want) {
		t.Errorf("line %q does not start with %q", lines[1], want)
	}
	for i, r := range res {
		var parts []string
		for j, l := range r.TopLabels {
			parts = append(parts, fmt.Sprintf("%s %.2f", l, r.TopScores[j]))
		}
		want := fmt.Sprintf("%s–%s  window %d  %s", formatClock(r.WindowStart), formatClock(r.WindowEnd), r.Window,
			strings.Join(parts, " | "))
		if r.Final {
			want += "  (end of stream)"
		}
		if len(r.TopLabels) != 2 || lines[i] != want {
			t.Errorf("window %d: printed %q, want %q", r.Window, lines[i], want)
		}
	}
}

// TestPrintJSON: print=json writes one JSON object per window whose fields are the messages' values.
func TestPrintJSON(t *testing.T) {
	lines, res := printRun(t, "json")
	var got []jsonResult
	for _, l := range lines {
		var j jsonResult
		if err := json.Unmarshal([]byte(l), &j); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		if !strings.Contains(l, `"ünïcødé 球"`) {
			t.Errorf("label not written as UTF-8: %s", l)
		}
		got = append(got, j)
	}
	if len(res) != 4 || len(got) != len(res) {
		t.Fatalf("%d messages, %d JSON lines:\n%s", len(res), len(got), strings.Join(lines, "\n"))
	}
	for i, r := range res {
		j := got[i]
		if j.Window != r.Window || j.StartNS == nil || *j.StartNS != r.WindowStart || *j.EndNS != r.WindowEnd ||
			j.Start != formatClock(r.WindowStart) || j.End != formatClock(r.WindowEnd) || j.Final != r.Final ||
			strings.Join(j.Labels, ";") != printLabels || strings.Join(j.TopLabels, ";") != strings.Join(r.TopLabels, ";") {
			t.Errorf("window %d: JSON %+v, message %+v", r.Window, j, r)
		}
		if maxAbsDiff(j.Scores, r.Scores) > 1e-12 || maxAbsDiff(j.Logits, r.Logits) > 1e-12 || maxAbsDiff(j.TopScores, r.TopScores) > 1e-12 {
			t.Errorf("window %d: JSON scores %v %v, message %v %v", r.Window, j.Scores, j.TopScores, r.Scores, r.TopScores)
		}
	}
}

// TestDuplicateLabels: a label given twice (in labels or labels-file) refuses to start, naming it.
func TestDuplicateLabels(t *testing.T) {
	dir := tinyA(t)
	file := filepath.Join(t.TempDir(), "labels.txt")
	if err := os.WriteFile(file, []byte("a ball\n# comment\na dog\n a ball \n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ prop, want string }{
		{`labels="a ball;a dog; a ball"`, `labels: label 3 "a ball" repeats label 1`},
		{"labels-file=" + file, fmt.Sprintf(`labels-file: labels file %s: line 4: label "a ball" repeats line 1`, file)},
	} {
		code, out := launch(t, "gst-launch-1.0", nil, time.Minute, append([]string{"videotestsrc", "num-buffers=5", "!",
			"videoconvert", "!", "xclipfilter", "model=" + dir}, append(args(c.prop), "!", "fakesink")...)...)
		if code == 0 || !strings.Contains(out, c.want) {
			t.Errorf("%s: exit %d; want a failure and %q in\n%s", c.prop, code, c.want, out)
		}
	}
}

// pythonGI returns a python3 that can import gi (PyGObject) with GStreamer's introspection data, or
// skips: Debian's python3-gi is installed for /usr/bin/python3, which a python3 earlier on PATH (a
// pyenv, a venv) may not see.
func pythonGI(t *testing.T) string {
	t.Helper()
	var tried []string
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		bin, err := exec.LookPath(p)
		if err != nil {
			continue
		}
		tried = append(tried, bin)
		cmd := exec.Command(bin, "-c", `import gi; gi.require_version("Gst", "1.0"); from gi.repository import Gst`)
		if cmd.Run() == nil {
			return bin
		}
	}
	t.Skipf("no python3 with PyGObject and Gst 1.0 (tried %v): install python3-gi gir1.2-gstreamer-1.0 (scripts/setup.sh does)", tried)
	return ""
}

// TestPythonMessages runs examples/pipelines/messages.py, the documented way to read the element's
// messages from Python, and checks that its labels and scores are those gst-launch-1.0 -m prints for
// the same pipeline.
func TestPythonMessages(t *testing.T) {
	python := pythonGI(t)
	dir := tinyA(t)
	const labels = "a ball;ünïcødé 球;a dog"
	cmd := exec.Command(python, filepath.Join(moduleRoot(t), "examples", "pipelines", "messages.py"), dir, labels)
	cmd.Env = launchEnv(t)
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("messages.py: %v\n%s\n%s", err, out, stderr)
	}
	code, mout := launch(t, "gst-launch-1.0", nil, 2*time.Minute, append([]string{"-m"}, args(fmt.Sprintf(
		`videotestsrc num-buffers=120 pattern=ball ! video/x-raw,width=160,height=120 ! videoconvert ! `+
			`xclipfilter model=%s labels="%s" blocking=true ! fakesink`, dir, labels))...)...)
	if code != 0 {
		t.Fatalf("gst-launch-1.0: exit %d\n%s", code, tail([]byte(mout)))
	}
	want := launchResults(t, mout)
	type pyResult struct {
		Window      uint64    `json:"window"`
		WindowStart uint64    `json:"window_start"`
		Labels      []string  `json:"labels"`
		Scores      []float64 `json:"scores"`
		TopLabel    string    `json:"top_label"`
		TopLabels   []string  `json:"top_labels"`
		TopScores   []float64 `json:"top_scores"`
	}
	var got []pyResult
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var r pyResult
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("messages.py printed %q: %v", l, err)
		}
		got = append(got, r)
	}
	if len(want) == 0 || len(got) != len(want) {
		t.Fatalf("messages.py printed %d results, gst-launch-1.0 -m %d:\n%s", len(got), len(want), out)
	}
	for i, w := range want {
		g := got[i]
		if g.Window != w.Window || g.WindowStart != w.WindowStart || strings.Join(g.Labels, ";") != labels ||
			g.TopLabel != w.TopLabel || strings.Join(g.TopLabels, ";") != strings.Join(w.TopLabels, ";") {
			t.Errorf("window %d: Python %+v, message %+v", w.Window, g, w)
		}
		if d := math.Max(maxAbsDiff(g.Scores, w.Scores), maxAbsDiff(g.TopScores, w.TopScores)); d > 1e-12 || len(g.Scores) != 3 {
			t.Errorf("window %d: Python scores %v %v, message %v %v", w.Window, g.Scores, g.TopScores, w.Scores, w.TopScores)
		}
	}
}
