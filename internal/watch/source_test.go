package watch

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestParseSource: each kind of URI, the names refused and the errors that name the problem.
func TestParseSource(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "clip.mp4")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		arg  string
		kind Kind
		uri  string
	}{
		{"door=rtsp://user:pw@10.0.0.5:554/stream", KindRTSP, "rtsp://user:pw@10.0.0.5:554/stream"},
		{"gate=https://cam/video.mjpg", KindHTTP, "https://cam/video.mjpg"},
		{"desk=/dev/video0", KindV4L2, "/dev/video0"},
		{"rec=" + file, KindFile, file},
		{"rec2=file://" + file, KindFile, file},
	} {
		s, err := ParseSource(c.arg)
		if err != nil || s.Kind != c.kind || s.URI != c.uri {
			t.Errorf("%s: %+v, %v", c.arg, s, err)
		}
	}
	for _, c := range []struct{ arg, want string }{
		{"rtsp://cam/x", "want NAME=URI"},
		{"a/b=rtsp://cam", `source name "a/b"`},
		{"cam+1=rtsp://cam", `source name "cam+1"`},
		{"x=ftp://user:secret@h/f", "unsupported URI"},
		{"x=" + filepath.Join(dir, "missing.mp4"), "missing.mp4"},
		{"x=" + dir, "not a regular file"},
	} {
		_, err := ParseSource(c.arg)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: error %v, want one containing %q (and no password)", c.arg, err, c.want)
		}
	}
	if _, err := ParseSources([]string{"a=rtsp://x", "a=rtsp://y"}); err == nil || !strings.Contains(err.Error(), "given twice") {
		t.Errorf("duplicate names: %v", err)
	}
	if s, _ := ParseSource("door=rtsp://user:pw@cam/s"); strings.Contains(s.Display(), "pw") {
		t.Errorf("Display shows the password: %s", s.Display())
	}
}

// TestBackoff: doubling from Min to Max, back to Min after Reset.
func TestBackoff(t *testing.T) {
	b := Backoff{Min: time.Second, Max: 5 * time.Second}
	var got []time.Duration
	for range 5 {
		got = append(got, b.Next())
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("waits %v, want %v", got, want)
		}
	}
	b.Reset()
	if d := b.Next(); d != time.Second {
		t.Errorf("after Reset: %v", d)
	}
}

// TestParsePublishURL: the default port and topic, and a refused URL.
func TestParsePublishURL(t *testing.T) {
	p, err := ParsePublishURL("mqtt://127.0.0.1/cameras/{source}/xclip")
	if err != nil || p.Address != "127.0.0.1:1883" || p.Topic != "cameras/{source}/xclip" || p.Method != "mqtt" {
		t.Errorf("%+v, %v", p, err)
	}
	if p, err := ParsePublishURL("mqtt://broker:1884"); err != nil || p.Address != "broker:1884" || p.Topic != "xclip/{source}" {
		t.Errorf("%+v, %v", p, err)
	}
	if _, err := ParsePublishURL("tcp://broker"); err == nil {
		t.Error("tcp:// accepted")
	}
}
