package xclipfilter

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-gst/go-gst/gst"
)

// TestLabelsFileRefusesWhatIsNotARegularFile checks a labels-file that is a FIFO, /dev/zero or too large
// is refused at once with an error naming it, instead of blocking start or reading until memory runs out.
func TestLabelsFileRefusesWhatIsNotARegularFile(t *testing.T) {
	tmp := t.TempDir()
	fifo := filepath.Join(tmp, "labels.fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(tmp, "labels.zero")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(tmp, "labels.big")
	if err := os.WriteFile(big, []byte(strings.Repeat("a fall\n", 200000)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ path, want string }{
		{fifo, "named pipe"},
		{zero, "character device"},
		{big, "over the 1048576-byte limit for a labels file"},
	} {
		done := make(chan error, 1)
		go func() {
			_, err := labelsOf(settings{labelsFile: c.path})
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), c.path) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("labels-file %s: error %v, want one naming it and %q", c.path, err, c.want)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("labels-file %s: blocked for 20 s", c.path)
		}
	}
}

// TestLabelsFileReload edits labels-file while PLAYING: a good edit is in use within a few seconds
// (with its prompts ensembled and its thresholds feeding the label events), a bad edit is a warning
// naming the file and line and keeps the labels, and setting labels-file again rereads it at once.
func TestLabelsFileReload(t *testing.T) {
	dir := tinyA(t)
	path := filepath.Join(t.TempDir(), "cameras.labels")
	write := func(text string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// "a cat" starts an event by its file threshold; "a dog"'s file threshold is overridden by
	// event-thresholds, and event-threshold=1 starts no other.
	write("# first\na dog [0/0]\na cat [0/0]\n")
	desc := fmt.Sprintf(`videotestsrc is-live=true pattern=ball ! video/x-raw,width=64,height=48,framerate=30/1 ! videoconvert ! `+
		`xclipfilter name=x model=%s labels-file=%s frame-interval=1 window-stride=3 event-threshold=1 event-exit-threshold=0 `+
		`event-thresholds="a dog=1/0.9" ! fakesink name=sink`, dir, path)
	second := []string{"a fall", "nobody"}
	third := []string{"walking", "sitting"}
	phase, phaseAt := 0, time.Now()
	var goodAt, badAt int // results when the bad edit was written / warned about
	next := func() { phase, phaseAt = phase+1, time.Now() }
	last := func(r *run) []string {
		if len(r.results) == 0 {
			return nil
		}
		return r.results[len(r.results)-1].Labels
	}
	r := mustRun(t, desc, runOpts{timeout: 3 * time.Minute, during: func(t testing.TB, p *gst.Pipeline, r *run) {
		if phase < 5 && time.Since(phaseAt) > 90*time.Second {
			t.Errorf("phase %d: nothing happened in 90 s (labels %v, warnings %q)", phase, last(r), r.warnings)
			p.SendEvent(gst.NewEOSEvent())
			phase = 5
			return
		}
		switch phase {
		case 0: // the first labels classify, the "a cat" event starts
			if len(r.labelEvs) > 0 && len(r.results) >= 3 {
				write("# second\na fall: a person falling down | someone collapsing to the floor [0.5/0.3]\nnobody\n")
				next()
			}
		case 1: // the edit is in use
			if slices.Equal(last(r), second) {
				goodAt = len(r.results)
				write("a fall: a person falling down [2]\nnobody\nwalking\n")
				next()
			}
		case 2: // the bad edit is refused
			if len(r.warnings) > 0 {
				badAt = len(r.results)
				next()
			}
		case 3: // and the labels stay; then a new file, reread at once by setting labels-file again
			if len(r.results) >= badAt+3 {
				write("walking\nsitting\n")
				x, err := p.GetElementByName("x")
				if err != nil {
					t.Fatal(err)
				}
				x.SetArg("labels-file", path)
				next()
			}
		case 4:
			if slices.Equal(last(r), third) {
				next()
				p.SendEvent(gst.NewEOSEvent())
			}
		}
	}})
	if phase != 5 {
		t.Fatalf("stopped in phase %d", phase)
	}
	if len(r.warnings) != 1 || !strings.Contains(r.warnings[0], path+": line 1: thresholds [2]") ||
		!strings.Contains(r.warnings[0], "keeping the current labels") {
		t.Errorf("warnings %q, want one naming %s line 1", r.warnings, path)
	}
	// Labels in order: first, second (never back), third; none from the bad file.
	order := [][]string{{"a dog", "a cat"}, second, third}
	k := 0
	for _, res := range r.results {
		for k < len(order)-1 && !slices.Equal(res.Labels, order[k]) {
			k++
		}
		if !slices.Equal(res.Labels, order[k]) {
			t.Fatalf("window %d: labels %v out of order", res.Window, res.Labels)
		}
	}
	for _, res := range r.results[goodAt:badAt] {
		if !slices.Equal(res.Labels, second) {
			t.Errorf("window %d: labels %v while the bad file was there", res.Window, res.Labels)
		}
	}
	if len(r.labelSets) != 3 || r.labelSets[0] != 2 || r.labelSets[1] != 2 || r.labelSets[2] != 2 {
		t.Errorf("xclip-labels counts %v, want [2 2 2]", r.labelSets)
	}
	// Events: "a cat" by its file threshold, ended by the change of labels; "a dog" never (the property
	// wins over the file).
	var cat []string
	for _, e := range r.labelEvs {
		if e.Label != "a cat" {
			if e.Label == "a dog" {
				t.Errorf("event %+v: event-thresholds should override the file's threshold", e)
			}
			continue
		}
		cat = append(cat, e.State+"/"+e.Reason)
	}
	if len(cat) < 2 || cat[0] != EventStarted+"/" || cat[1] != EventEnded+"/"+ReasonLabelsChanged {
		t.Errorf("a cat's events %v, want started then ended by labels-changed", cat)
	}
}

// TestLabelsFileMatchesLabels: a plain line goes through prompt-template, a named line's single
// prompt is encoded as written, and both score exactly as the labels property does; results carry the
// file's names.
func TestLabelsFileMatchesLabels(t *testing.T) {
	dir := tinyA(t)
	_, loc, _ := writeClip(t, 6, 64, 48)
	file := filepath.Join(t.TempDir(), "pets.labels")
	if err := os.WriteFile(file, []byte("# pets\ndog: a video of a dog\na cat\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(labels string) *run {
		return mustRun(t, clipSource(loc, 6)+fmt.Sprintf(` ! xclipfilter model=%s %s prompt-template="a video of {}" `+
			`frame-interval=1 blocking=true ! fakesink name=sink`, dir, labels), runOpts{})
	}
	got, want := run("labels-file="+file), run(`labels="a dog;a cat"`)
	if len(got.results) == 0 || len(got.results) != len(want.results) {
		t.Fatalf("%d results from the file, %d from labels", len(got.results), len(want.results))
	}
	for i, r := range got.results {
		if !slices.Equal(r.Labels, []string{"dog", "a cat"}) {
			t.Errorf("window %d: labels %v", r.Window, r.Labels)
		}
		if d := maxAbsDiff(r.Logits, want.results[i].Logits); d > 1e-6 {
			t.Errorf("window %d: logits %v from the file, %v from labels", r.Window, r.Logits, want.results[i].Logits)
		}
	}
}
