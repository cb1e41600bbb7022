package xclipoverlay

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-gst/go-gst/gst"

	"github.com/xclipfilter/xclipfilter/elements/xclipfilter"
	"github.com/xclipfilter/xclipfilter/internal/golden"
)

// testTmp holds what the tests build once: the plugin, registries.
var testTmp string

func TestMain(m *testing.M) {
	tmp, err := os.MkdirTemp("", "xclipoverlay-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testTmp = tmp
	// This process registers the elements statically: it must not also find libgstxclip.so.
	os.Unsetenv("GST_PLUGIN_PATH")
	os.Setenv("GST_REGISTRY", filepath.Join(tmp, "registry-test.bin"))
	gst.Init(nil)
	for _, register := range []func() error{xclipfilter.RegisterStatic, RegisterStatic} {
		if err := register(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(tmp)
	os.Exit(code)
}

// tinyA is the repository's tiny random checkpoint (3 frames a window, 64×64 pixels).
func tinyA(t testing.TB) string { return golden.Fixture(t, "xclip-tiny-a") }

// play runs desc to EOS (failing the test on an error or after 3 minutes); setup, when given, sees the
// pipeline before it starts.
func play(t testing.TB, desc string, setup func(p *gst.Pipeline)) {
	t.Helper()
	p, err := gst.NewPipelineFromString(desc)
	if err != nil {
		t.Fatalf("pipeline %q: %v", desc, err)
	}
	defer p.SetState(gst.StateNull)
	if setup != nil {
		setup(p)
	}
	if err := p.SetState(gst.StatePlaying); err != nil {
		t.Fatalf("%s: %v", desc, err)
	}
	bus := p.GetPipelineBus()
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		msg := bus.TimedPopFiltered(gst.ClockTime(100*time.Millisecond), gst.MessageError|gst.MessageWarning|gst.MessageEOS)
		if msg == nil {
			continue
		}
		switch msg.Type() {
		case gst.MessageEOS:
			return
		case gst.MessageError:
			t.Fatalf("%s: %v", desc, msg.ParseError())
		case gst.MessageWarning:
			t.Errorf("%s: warning %v", desc, msg.ParseWarning())
		}
	}
	t.Fatalf("no EOS within 3 minutes: %s", desc)
}

// rawFormat says where a pixel's bytes are in a frame that videotestsrc (default strides) wrote.
type rawFormat struct {
	name       string
	main       int // how many of pixelBytes are the pixel's own (RGB, or Y); the rest is chroma
	frameSize  func(w, h int) int
	pixelBytes func(w, h, x, y int) []int // the bytes of pixel (x, y): its RGB or Y bytes, then its chroma
}

var rawFormats = []rawFormat{
	{"RGB", 3, func(w, h int) int { return (3*w + 3) &^ 3 * h }, func(w, _, x, y int) []int {
		o := y*((3*w+3)&^3) + 3*x
		return []int{o, o + 1, o + 2}
	}},
	{"BGRx", 3, func(w, h int) int { return 4 * w * h }, func(w, _, x, y int) []int {
		o := 4 * (y*w + x)
		return []int{o, o + 1, o + 2}
	}},
	{"I420", 1, func(w, h int) int { return w*h + 2*(w/2)*(h/2) }, func(w, h, x, y int) []int {
		c := (y/2)*(w/2) + x/2
		return []int{y*w + x, w*h + c, w*h + (w/2)*(h/2) + c}
	}},
	{"NV12", 1, func(w, h int) int { return w*h + 2*(w/2)*(h/2) }, func(w, h, x, y int) []int {
		c := w*h + (y/2)*w + 2*(x/2)
		return []int{y*w + x, c, c + 1}
	}},
	{"GRAY8", 1, func(w, h int) int { return w * h }, func(w, _, x, y int) []int { return []int{y*w + x} }},
}

// frames reads the raw frames of path.
func frames(t testing.TB, path string, size int) [][]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b)%size != 0 || len(b) == 0 {
		t.Fatalf("%s: %d bytes is not a whole number of %d-byte frames", path, len(b), size)
	}
	var out [][]byte
	for len(b) > 0 {
		out = append(out, b[:size])
		b = b[size:]
	}
	return out
}

// rect is a pixel rectangle [x0, x1) × [y0, y1).
type rect struct{ x0, y0, x1, y1 int }

func (r rect) String() string { return fmt.Sprintf("(%d,%d)-(%d,%d)", r.x0, r.y0, r.x1, r.y1) }

// changed compares a frame with the reference frame: the bounding box of the pixels whose own bytes
// (RGB or Y) differ, and how many pixels differ; ok is false when none does. chromaOut counts the
// pixels outside that box rounded out to even coordinates (a 2×2 chroma sample's) whose chroma
// differs.
func changed(f rawFormat, w, h int, frame, ref []byte) (box rect, n, chromaOut int, ok bool) {
	box = rect{w, h, -1, -1}
	for y := range h {
		for x := range w {
			diff := false
			for _, i := range f.pixelBytes(w, h, x, y)[:f.main] {
				diff = diff || frame[i] != ref[i]
			}
			if diff {
				n++
				box = rect{min(box.x0, x), min(box.y0, y), max(box.x1, x+1), max(box.y1, y+1)}
			}
		}
	}
	even := rect{box.x0 &^ 1, box.y0 &^ 1, (box.x1 + 1) &^ 1, (box.y1 + 1) &^ 1}
	for y := range h {
		for x := range w {
			if x >= even.x0 && x < even.x1 && y >= even.y0 && y < even.y1 {
				continue
			}
			for _, i := range f.pixelBytes(w, h, x, y)[f.main:] {
				if frame[i] != ref[i] {
					chromaOut++
					break
				}
			}
		}
	}
	return box, n, chromaOut, n > 0
}
