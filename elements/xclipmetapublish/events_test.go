package xclipmetapublish

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-gst/go-gst/gst"

	"github.com/xclipfilter/xclipfilter/internal/golden"
)

// TestEvents: any "xclip*" custom downstream structure is published generically (xclip-event with its
// own source, clock-time NONE as null, fractions, arrays, lists), other structures are not, the
// source property overrides the structure's, and a NaN drops the document with a warning.
func TestEvents(t *testing.T) {
	tmp := t.TempDir()
	own, fixed := filepath.Join(tmp, "own.jsonl"), filepath.Join(tmp, "fixed.jsonl")
	p, err := gst.NewPipelineFromString(fmt.Sprintf(`videotestsrc is-live=true ! xclipmetapublish name=a file-path=%s ! `+
		`xclipmetapublish name=b file-path=%s source=fixed ! fakesink`, own, fixed))
	if err != nil {
		t.Fatal(err)
	}
	defer p.SetState(gst.StateNull)
	if err := p.SetState(gst.StatePlaying); err != nil {
		t.Fatal(err)
	}
	a, _ := p.GetElementByName("a")
	pad := a.GetStaticPad("sink")
	nan := gst.NewStructure("xclip")
	if err := nan.SetValue("window", uint64(9)); err != nil {
		t.Fatal(err)
	}
	if err := nan.SetValue("top-score", math.NaN()); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*gst.Structure{
		gst.NewStructureFromString(`xclip-event, label=(string)"a fall", state=(string)started, start=(guint64)1000000000, ` +
			`end=(guint64)18446744073709551615, peak-score=(double)0.875, windows=(guint64)3, source=(string)cam7`),
		gst.NewStructureFromString(`other, x=(int)1`),
		nan,
		gst.NewStructureFromString(`xclip-test, rate=(fraction)30/1, ints=(int)<1,2,3>, set=(string){a,b}, on=(boolean)true, ` +
			`neg=(int)-5, f=(float)0.5, big=(guint64)18446744073709551615, type=(string)t, timestamp=(int)7`),
	} {
		if s == nil {
			t.Fatal("structure does not parse")
		}
		if !pad.SendEvent(gst.NewCustomEvent(gst.EventTypeCustomDownstream, s)) {
			t.Fatal("event refused")
		}
	}
	// The publishers drop the NaN document on their own goroutines: wait until both have (their warning
	// is posted before the count moves), or EOS could reach the bus before a warning on a loaded machine.
	for _, name := range []string{"a", "b"} {
		if !waitFor(time.Minute, func() bool { return counter(t, p, name, "dropped") == 1 }) {
			t.Fatalf("%s never dropped the NaN document", name)
		}
	}
	p.SendEvent(gst.NewEOSEvent())
	bus := p.GetPipelineBus()
	var warnings []string
	for done := false; !done; {
		msg := bus.TimedPopFiltered(gst.ClockTime(time.Minute), gst.MessageEOS|gst.MessageError|gst.MessageWarning)
		switch {
		case msg == nil:
			t.Fatal("no EOS")
		case msg.Type() == gst.MessageError:
			t.Fatal(msg.ParseError())
		case msg.Type() == gst.MessageWarning:
			warnings = append(warnings, msg.ParseWarning().Error())
		default:
			done = true
		}
	}
	if err := p.SetState(gst.StateNull); err != nil {
		t.Fatal(err)
	}
	read := func(path string) []map[string]any {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var out []map[string]any
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			d := json.NewDecoder(bytes.NewReader(sc.Bytes()))
			d.UseNumber()
			var m map[string]any
			if err := d.Decode(&m); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			delete(m, "timestamp")
			out = append(out, m)
		}
		return out
	}
	event := map[string]any{"type": "xclip-event", "label": "a fall", "state": "started", "start": json.Number("1000000000"),
		"end": nil, "peak-score": json.Number("0.875"), "windows": json.Number("3")}
	test := map[string]any{"type": "xclip-test", "rate": "30/1", "on": true, "neg": json.Number("-5"), "f": json.Number("0.5"),
		"ints": []any{json.Number("1"), json.Number("2"), json.Number("3")}, "set": []any{"a", "b"},
		"big":             json.Number("18446744073709551615"),           // only the known time fields become null
		"xclip-test.type": "t", "xclip-test.timestamp": json.Number("7")} // the header keeps type and timestamp
	with := func(m map[string]any, source string) map[string]any {
		c := map[string]any{"source": source}
		for k, v := range m {
			c[k] = v
		}
		return c
	}
	for _, c := range []struct {
		path string
		want []map[string]any
	}{
		{own, []map[string]any{with(event, "cam7"), with(test, "a")}},
		{fixed, []map[string]any{with(event, "fixed"), with(test, "fixed")}},
	} {
		if got := read(c.path); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n got %v\nwant %v", c.path, got, c.want)
		}
	}
	for _, name := range []string{"a", "b"} {
		if pub, drop := counter(t, p, name, "published"), counter(t, p, name, "dropped"); pub != 2 || drop != 1 {
			t.Errorf("%s: published %d, dropped %d; want 2, 1", name, pub, drop)
		}
	}
	nanWarnings := 0
	for _, w := range warnings {
		if strings.Contains(w, `dropped a "xclip" document that is not valid JSON`) && strings.Contains(w, "NaN") {
			nanWarnings++
		}
	}
	if nanWarnings != 2 {
		t.Errorf("warnings %q: want one about the NaN from each element", warnings)
	}
}

// TestFilterLabelEventsPublished: xclipfilter's label events reach the file as "xclip-event"
// documents with no change here, between the results, in order, with xclipfilter's source; the
// ended event (at EOS) is the last document, and a started event's missing end fields stay absent.
func TestFilterLabelEventsPublished(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.jsonl")
	desc := fmt.Sprintf(`videotestsrc num-buffers=12 pattern=ball ! video/x-raw,width=64,height=48,framerate=30/1 ! `+
		`xclipfilter model=%s labels="a ball;a dog;nobody" frame-interval=1 blocking=true source=cam9 `+
		`event-threshold=1 event-exit-threshold=1 event-thresholds="a ball=0/0" ! xclipmetapublish file-path=%s ! fakesink`,
		golden.Fixture(t, "xclip-tiny-a"), path) // the repository's copy: this test runs without XCLIP_GOLDEN
	mustPlay(t, desc, runOpts{})
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	var evs []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("%q: %v", sc.Bytes(), err)
		}
		if m["source"] != "cam9" {
			t.Errorf("document with source %v: %s", m["source"], sc.Bytes())
		}
		kinds = append(kinds, m["type"].(string))
		if m["type"] == "xclip-event" {
			evs = append(evs, m)
		}
	}
	// 4 windows (the last one at EOS): started after the second result, ended after the last.
	want := []string{"xclip", "xclip", "xclip-event", "xclip", "xclip", "xclip-event"}
	if !reflect.DeepEqual(kinds, want) {
		t.Fatalf("documents %v, want %v:\n%s", kinds, want, b)
	}
	started, ended := evs[0], evs[1]
	if started["label"] != "a ball" || started["state"] != "started" || started["windows"] != 2.0 ||
		started["start-running-time"] != 0.0 || started["end-running-time"] != nil || started["reason"] != nil {
		t.Errorf("started %v", started)
	}
	if _, has := started["end-stream-time"]; has {
		t.Errorf("started event with an end: %v", started)
	}
	if ended["state"] != "ended" || ended["reason"] != "eos" || ended["windows"] != 4.0 || ended["end-running-time"] == nil {
		t.Errorf("ended %v", ended)
	}
}
