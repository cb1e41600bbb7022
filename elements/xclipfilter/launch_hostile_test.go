package xclipfilter

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// launchMemCap is the address-space limit (ulimit -v, kB) of the hostile gst-launch-1.0 runs. A
// normal run of the tiny model peaks at about 1.8 GB of virtual memory (VmPeak, with 3 or with 1000
// labels: Go's arenas and GStreamer's thread stacks are reserved, not used); the cap leaves 2 GB
// above that, so an input that made the element allocate in proportion to it fails instead of
// taking the machine.
const launchMemCap = 3900 * 1024

// launchCapped runs gst-launch-1.0 under launchMemCap.
func launchCapped(t *testing.T, timeout time.Duration, args ...string) (int, string) {
	t.Helper()
	bin := needTool(t, "gst-launch-1.0")
	script := fmt.Sprintf(`ulimit -v %d; exec "$0" "$@"`, launchMemCap)
	return launch(t, "bash", nil, timeout, append([]string{"-c", script, bin}, args...)...)
}

// TestLaunchHostile: hostile labels, label files, checkpoints and properties through gst-launch-1.0
// end in a clean error or warning naming the property, value or window, within a time limit and
// under a memory cap.
func TestLaunchHostile(t *testing.T) {
	dir := tinyA(t)
	tmp := t.TempDir()
	big := strings.Repeat("y", 100_000) // a command-line argument is limited to 128 kB
	hugeFile := filepath.Join(tmp, "huge.txt")
	os.WriteFile(hugeFile, []byte("a dog\n"+strings.Repeat("x", 2<<20)+"\n"), 0o644)
	many := make([]string, 2000)
	for i := range many {
		many[i] = fmt.Sprintf("label %d", i)
	}
	src := []string{"videotestsrc", "num-buffers=30", "!", "video/x-raw,width=64,height=48", "!", "videoconvert", "!"}
	for _, c := range []struct {
		name  string
		props []string
		want  string
	}{
		{"2000 labels", []string{"labels=" + strings.Join(many, ";")}, "labels: 2000 labels: at most 1000 are allowed"},
		{"100 kB label", []string{"labels=a;" + big}, "labels: label 2 is 100000 bytes long: at most 1024"},
		{"2 MB label in labels-file", []string{"labels-file=" + hugeFile}, "cannot read labels-file: labels file " + hugeFile + ": file too large"},
		{"duplicate labels", []string{`labels=a dog;a cat;a dog`}, `labels: label 3 "a dog" repeats label 1`},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append(append(append([]string{}, src...), "xclipfilter", "model="+dir), c.props...)
			code, out := launchCapped(t, 2*time.Minute, append(args, "!", "fakesink")...)
			want := "ERROR: from element /GstPipeline:pipeline0/GstXClipFilter:xclipfilter0: " + c.want
			if code == 0 || !strings.Contains(out, want) {
				t.Errorf("exit %d; want a failure and %q in\n%s", code, want, tail([]byte(out)))
			}
			if len(out) > 64<<10 {
				t.Errorf("%d bytes of output: the error repeats the input", len(out))
			}
		})
	}
	t.Run("threshold=nan", func(t *testing.T) {
		args := append(append([]string{"-m"}, src...), "xclipfilter", "model="+dir, "labels=a;b;c", "threshold=nan", "frame-interval=1",
			"blocking=true", "!", "fakesink")
		code, out := launchCapped(t, 2*time.Minute, args...)
		res := launchResults(t, out)
		if code != 0 || !strings.Contains(out, `value "nan" of type 'gdouble' is invalid or out of range for property 'threshold'`) || len(res) == 0 {
			t.Fatalf("exit %d, %d results\n%s", code, len(res), tail([]byte(out)))
		}
		for _, r := range res {
			if len(r.TopLabels) != 3 { // the default threshold, 0, stayed
				t.Errorf("window %d: top-labels %q", r.Window, r.TopLabels)
			}
		}
	})
	t.Run("logit_scale overflow", func(t *testing.T) {
		args := append(append([]string{"-m"}, src...), "xclipfilter", "model="+overflowCheckpoint(t), "labels=a;b;c", "threshold=0.9",
			"frame-interval=1", "blocking=true", "!", "fakesink")
		code, out := launchCapped(t, 2*time.Minute, args...)
		if res := launchResults(t, out); len(res) != 0 {
			t.Errorf("%d results from infinite logits", len(res))
		}
		if strings.Contains(out, "ERROR: from element") {
			// The loader may refuse such a checkpoint: as clean, if it names logit_scale.
			if !strings.Contains(out, "logit_scale") {
				t.Errorf("exit %d\n%s", code, tail([]byte(out)))
			}
			return
		}
		if code != 0 || !strings.Contains(out, "WARNING: from element /GstPipeline:pipeline0/GstXClipFilter:xclipfilter0: window 1 dropped: non-finite logit +Inf") {
			t.Errorf("exit %d\n%s", code, tail([]byte(out)))
		}
	})
	t.Run("1000 labels", func(t *testing.T) {
		args := append(append([]string{"-m"}, src...), "xclipfilter", "model="+dir, "labels="+strings.Join(many[:1000], ";"),
			"frame-interval=1", "blocking=true", "!", "fakesink")
		code, out := launchCapped(t, 3*time.Minute, args...)
		res := launchResults(t, out)
		if code != 0 || len(res) == 0 || len(res[0].Labels) != 1000 || !strings.Contains(out, "xclip-labels, count=(guint64)1000") {
			t.Errorf("exit %d, %d results\n%s", code, len(res), tail([]byte(out)))
		}
	})
}
