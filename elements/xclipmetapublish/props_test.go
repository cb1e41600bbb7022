package xclipmetapublish

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-gst/go-gst/gst"
)

// TestBadProperties: values GStreamer cannot take fail the parse with the property and value named;
// values that only start can judge refuse the start with an error naming the value.
func TestBadProperties(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-dir", "results.json")
	for _, c := range []struct {
		props string
		want  []string // all in the error
		parse bool     // the parse fails (else the start)
	}{
		{props: "method=foo", want: []string{`"method"`, `"foo"`}, parse: true},
		{props: "file-format=yaml", want: []string{`"file-format"`, `"yaml"`}, parse: true},
		{props: "method=mqtt address=localhost", want: []string{`address "localhost" is not host:port`, "missing port"}},
		{props: "method=mqtt address=:1883", want: []string{`address ":1883" has no host`}},
		{props: "method=mqtt address=localhost:99999", want: []string{`address "localhost:99999"`, "1 to 65535"}},
		{props: "method=mqtt address=127.0.0.1:1 topic=cameras/#", want: []string{`topic "cameras/#"`, "wildcards"}},
		{props: "file-path=" + missing, want: []string{`cannot open file-path "` + missing + `"`, "no such file or directory"}},
		{props: `file-path=""`, want: []string{"file-path is empty"}},
	} {
		desc := fmt.Sprintf("videotestsrc num-buffers=3 ! xclipmetapublish %s ! fakesink", c.props)
		if c.parse {
			_, err := gst.NewPipelineFromString(desc)
			if err == nil {
				t.Errorf("%s: parsed", c.props)
				continue
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%s: error %q does not name %s", c.props, err, w)
				}
			}
			continue
		}
		r := play(t, desc, runOpts{timeout: time.Minute})
		if len(r.errors) != 1 {
			t.Errorf("%s: errors %v, want one", c.props, r.errors)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(r.errors[0], w) {
				t.Errorf("%s: error %q does not name %s", c.props, r.errors[0], w)
			}
		}
	}
}

// TestProperties: defaults, and the ready-only rule: a change in PLAYING is ignored with a warning.
func TestProperties(t *testing.T) {
	e, err := gst.NewElement(ElementName)
	if err != nil {
		t.Fatal(err)
	}
	for prop, want := range map[string]any{
		"file-path": "-", "address": "localhost:1883", "topic": "xclip", "mqtt-client-id": "", "source": "",
		"max-connect-attempts": uint(1), "max-reconnect-interval": uint(30), "published": uint64(0), "dropped": uint64(0),
	} {
		if v, err := e.GetProperty(prop); err != nil || v != want {
			t.Errorf("%s = %v (%T), %v; want %v", prop, v, v, err, want)
		}
	}
	p, err := gst.NewPipelineFromString("videotestsrc is-live=true ! xclipmetapublish name=pub file-path=/dev/null ! fakesink")
	if err != nil {
		t.Fatal(err)
	}
	defer p.SetState(gst.StateNull)
	if err := p.SetState(gst.StatePlaying); err != nil {
		t.Fatal(err)
	}
	pub, _ := p.GetElementByName("pub")
	if err := pub.SetProperty("topic", "changed"); err != nil {
		t.Fatal(err)
	}
	if v, _ := pub.GetProperty("topic"); v != "xclip" {
		t.Errorf("topic changed in PLAYING to %v", v)
	}
	bus := p.GetPipelineBus()
	msg := bus.TimedPopFiltered(gst.ClockTime(10*time.Second), gst.MessageWarning)
	if msg == nil || !strings.Contains(msg.ParseWarning().Error(), "topic can only be changed in the NULL or READY state") {
		t.Errorf("no warning about the ignored change: %v", msg)
	}
}
