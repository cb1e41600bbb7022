package xclipmetapublish

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-gst/go-gst/gst"

	"github.com/xclipfilter/xclipfilter/elements/xclipfilter"
	"github.com/xclipfilter/xclipfilter/internal/golden"
)

// testTmp holds what the tests build once: the plugin, registries.
var testTmp string

func TestMain(m *testing.M) {
	tmp, err := os.MkdirTemp("", "xclipmetapublish-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testTmp = tmp
	// This process registers the elements statically: it must not also find libgstxclip.so.
	os.Unsetenv("GST_PLUGIN_PATH")
	os.Setenv("GST_REGISTRY", filepath.Join(tmp, "registry-test.bin"))
	gst.Init(nil)
	if err := xclipfilter.RegisterStatic(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := RegisterStatic(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if os.Getenv(stdoutHelperEnv) != "" {
		os.Exit(stdoutHelper())
	}
	code := m.Run()
	os.RemoveAll(tmp)
	os.Exit(code)
}

// noLabelEvents keeps xclipfilter from starting label events (no score reaches 1 with several
// labels), for the tests that count the published results.
const noLabelEvents = "event-threshold=1 event-exit-threshold=1"

func tinyA(t testing.TB) string { return golden.Checkpoint(t, "xclip-tiny-a") }

// waitFor polls cond until it holds or timeout passes.
func waitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true
}

// doc is a published document, decoded.
type doc struct {
	Source         string    `json:"source"`
	Type           string    `json:"type"`
	Timestamp      string    `json:"timestamp"`
	Window         uint64    `json:"window"`
	Labels         []string  `json:"labels"`
	Logits         []float64 `json:"logits"`
	Scores         []float64 `json:"scores"`
	TopLabel       string    `json:"top-label"`
	TopScore       float64   `json:"top-score"`
	TopLabels      []string  `json:"top-labels"`
	TopScores      []float64 `json:"top-scores"`
	WindowStart    *uint64   `json:"window-start"`
	WindowEnd      *uint64   `json:"window-end"`
	RunningTime    *uint64   `json:"running-time"`
	StreamTime     *uint64   `json:"stream-time"`
	InferenceTime  float64   `json:"inference-time"`
	WindowsSkipped uint64    `json:"windows-skipped"`
	Batch          int       `json:"batch"`
	Final          bool      `json:"final"`
}

func decode(t testing.TB, b []byte) doc {
	t.Helper()
	var d doc
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("document %s: %v", b, err)
	}
	return d
}

// checkDoc compares a document with the result xclipfilter posted on the bus.
func checkDoc(t testing.TB, d doc, r xclipfilter.Result, source string, since, until time.Time) {
	t.Helper()
	eq := func(a, b []float64) bool {
		if len(a) != len(b) {
			return false
		}
		for i := range a {
			if a[i] != b[i] { // encoding/json writes the shortest text that reads back exactly
				return false
			}
		}
		return true
	}
	eqs := func(a, b []string) bool {
		return strings.Join(a, "\x00") == strings.Join(b, "\x00") && len(a) == len(b)
	}
	tm := func(p *uint64, want uint64) bool {
		if want == clockTimeNone {
			return p == nil
		}
		return p != nil && *p == want
	}
	if d.Source != source || d.Type != "xclip" || d.Window != r.Window || !eqs(d.Labels, r.Labels) ||
		!eq(d.Logits, r.Logits) || !eq(d.Scores, r.Scores) || d.TopLabel != r.TopLabel || d.TopScore != r.TopScore ||
		!eqs(d.TopLabels, r.TopLabels) || !eq(d.TopScores, r.TopScores) || !tm(d.WindowStart, r.WindowStart) ||
		!tm(d.WindowEnd, r.WindowEnd) || !tm(d.RunningTime, r.RunningTime) || !tm(d.StreamTime, r.StreamTime) ||
		d.InferenceTime != r.InferenceTime || d.WindowsSkipped != r.WindowsSkipped || d.Batch != r.Batch || d.Final != r.Final {
		t.Errorf("document %+v\ndoes not match the bus result %+v", d, r)
	}
	ts, err := time.Parse(time.RFC3339Nano, d.Timestamp)
	if err != nil || !strings.HasSuffix(d.Timestamp, "Z") || len(d.Timestamp) != len("2006-01-02T15:04:05.000Z") {
		t.Errorf("timestamp %q is not RFC 3339 UTC with milliseconds: %v", d.Timestamp, err)
	} else if ts.Before(since.Truncate(time.Millisecond)) || ts.After(until) {
		t.Errorf("timestamp %v outside the run (%v to %v)", ts, since, until)
	}
}

// run is what a pipeline produced.
type run struct {
	results  []xclipfilter.Result
	errors   []string
	warnings []string
	eos      bool
	pipeline *gst.Pipeline
}

type runOpts struct {
	during  func(p *gst.Pipeline, r *run) bool // after each bus poll; false stops the run
	timeout time.Duration
	keep    bool // leave the pipeline in its state (the caller sets NULL)
}

// play plays desc until EOS, an error, during returning false or the timeout, then sets it to NULL
// (stop publishes what is queued) unless keep.
func play(t testing.TB, desc string, o runOpts) *run {
	t.Helper()
	p, err := gst.NewPipelineFromString(desc)
	if err != nil {
		t.Fatalf("pipeline %q: %v", desc, err)
	}
	if o.timeout == 0 {
		o.timeout = 3 * time.Minute
	}
	r := &run{pipeline: p}
	bus := p.GetPipelineBus()
	_ = p.SetState(gst.StatePlaying)
	deadline := time.Now().Add(o.timeout)
loop:
	for {
		if time.Now().After(deadline) {
			t.Errorf("pipeline did not finish within %v: %s", o.timeout, desc)
			break
		}
		msg := bus.TimedPopFiltered(gst.ClockTime(50*time.Millisecond),
			gst.MessageError|gst.MessageWarning|gst.MessageElement|gst.MessageEOS)
		if msg != nil {
			switch msg.Type() {
			case gst.MessageEOS:
				r.eos = true
				break loop
			case gst.MessageError:
				r.errors = append(r.errors, msg.ParseError().Error())
				break loop
			case gst.MessageWarning:
				r.warnings = append(r.warnings, msg.ParseWarning().Error())
			case gst.MessageElement:
				if res, ok := xclipfilter.ParseMessage(msg); ok {
					r.results = append(r.results, res)
				}
			}
		}
		if o.during != nil && !o.during(p, r) {
			break
		}
	}
	if !o.keep {
		if err := p.SetState(gst.StateNull); err != nil {
			t.Errorf("setting the pipeline to NULL: %v", err)
		}
	}
	return r
}

func mustPlay(t testing.TB, desc string, o runOpts) *run {
	t.Helper()
	r := play(t, desc, o)
	if len(r.errors) > 0 {
		t.Fatalf("pipeline failed: %v\n%s", r.errors, desc)
	}
	if !r.eos && o.during == nil {
		t.Fatalf("no EOS: %s", desc)
	}
	return r
}

// counter reads the published or dropped property of the element named name.
func counter(t testing.TB, p *gst.Pipeline, name, prop string) uint64 {
	t.Helper()
	e, err := p.GetElementByName(name)
	if err != nil || e == nil {
		t.Fatalf("no element %s: %v", name, err)
	}
	v, err := e.GetProperty(prop)
	if err != nil {
		t.Fatalf("%s.%s: %v", name, prop, err)
	}
	u, ok := v.(uint64)
	if !ok {
		t.Fatalf("%s.%s is %T", name, prop, v)
	}
	return u
}
