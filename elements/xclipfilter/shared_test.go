package xclipfilter

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-gst/go-gst/gst"
)

// teeDesc is a pipeline of one test source teed into one xclipfilter per entry of props (named x0,
// x1...), every branch blocking so that each element classifies every window.
func teeDesc(t *testing.T, frames int, props ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `videotestsrc num-buffers=%d pattern=ball ! video/x-raw,width=64,height=48,framerate=30/1,format=RGB ! tee name=t`, frames)
	for i, p := range props {
		fmt.Fprintf(&b, ` t. ! queue ! xclipfilter name=x%d model="%s" labels="a ball;a dog;a car" frame-interval=1 window-stride=2 blocking=true %s ! fakesink`,
			i, tinyA(t), p)
	}
	return b.String()
}

// bySource splits the results per element.
func bySource(rs []Result) map[string][]Result {
	out := map[string][]Result{}
	for _, r := range rs {
		out[r.Source] = append(out[r.Source], r)
	}
	return out
}

// TestElementsShareOneModel: three elements naming one checkpoint load it once, batch their windows,
// and each still gets every one of its windows, in order, with the numbers a lone element gets; the
// model is freed when they stop.
func TestElementsShareOneModel(t *testing.T) {
	inferenceDelay.Store(int64(50 * time.Millisecond)) // passes long enough for the others' windows to queue
	defer inferenceDelay.Store(0)
	held, loads := models.Held(), models.Loads()
	maxHeld := 0
	r := mustRun(t, teeDesc(t, 24, "", "", ""), runOpts{during: func(_ testing.TB, _ *gst.Pipeline, _ *run) {
		maxHeld = max(maxHeld, models.Held()-held)
	}})
	if got := models.Loads() - loads; got != 1 {
		t.Errorf("%d models loaded for three elements naming one checkpoint, want 1", got)
	}
	if maxHeld != 1 || models.Held() != held {
		t.Errorf("instances held: at most %d while playing (want 1), %d after stop (want %d)", maxHeld, models.Held(), held)
	}
	alone := mustRun(t, teeDesc(t, 24, ""), runOpts{})
	want := bySource(alone.results)["x0"]
	per := bySource(r.results)
	largest := 0
	for _, name := range []string{"x0", "x1", "x2"} {
		got := per[name]
		if len(got) != len(want) || len(want) == 0 {
			t.Fatalf("%s: %d results, a lone element gives %d", name, len(got), len(want))
		}
		for i, res := range got {
			if res.Window != want[i].Window || res.WindowStart != want[i].WindowStart || res.WindowsSkipped != 0 {
				t.Errorf("%s result %d: window %d from %d, want %d from %d", name, i, res.Window, res.WindowStart,
					want[i].Window, want[i].WindowStart)
			}
			if d := maxAbsDiff(res.Logits, want[i].Logits); d > 1e-4 {
				t.Errorf("%s window %d: logits differ from a lone element's by %g", name, res.Window, d)
			}
			if res.Batch < 1 || res.Batch > 3 {
				t.Errorf("%s window %d: batch %d", name, res.Window, res.Batch)
			}
			largest = max(largest, res.Batch)
		}
	}
	if largest < 2 {
		t.Errorf("no pass held windows of two elements (largest batch %d)", largest)
	}
	for _, res := range want {
		if res.Batch != 1 {
			t.Errorf("a lone element's window %d went in a batch of %d", res.Window, res.Batch)
		}
	}
}

// TestModelInstanceID: a model-instance-id of its own gives an element a separate instance; batch-size=1
// keeps every pass to one window; differing batch settings on one instance are reported.
func TestModelInstanceID(t *testing.T) {
	loads := models.Loads()
	r := mustRun(t, teeDesc(t, 12, "batch-size=1", "batch-size=1", "model-instance-id=alone"), runOpts{})
	if got := models.Loads() - loads; got != 2 {
		t.Errorf("%d models loaded, want 2 (one shared, one for model-instance-id=alone)", got)
	}
	for name, rs := range bySource(r.results) {
		for _, res := range rs {
			if res.Batch != 1 {
				t.Errorf("%s window %d: batch %d with batch-size=1", name, res.Window, res.Batch)
			}
		}
	}
	if msg := startFailure(t, fmt.Sprintf(`model="%s" labels="a" model-instance-id=%s`, tinyA(t), strings.Repeat("x", 300)), time.Minute); !strings.Contains(msg, "model-instance-id") {
		t.Errorf("a model-instance-id of 300 bytes: %s", msg)
	}
	r = mustRun(t, teeDesc(t, 6, "batch-size=2", "batch-size=3"), runOpts{})
	warned := false
	for _, w := range r.warnings {
		warned = warned || strings.Contains(w, "is shared with an element that started first with batch-size")
	}
	if !warned {
		t.Errorf("no warning about differing batch-size; warnings %q", r.warnings)
	}
}
