package xclipoverlay

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/go-gst/go-gst/gst"
)

// grayInput is a mid-gray 320×240 source of n frames in format, at rate frames a second: the box
// (black, 63% opaque by default) darkens every pixel it covers, so the box's extent can be measured.
func grayInput(format string, n, rate int) string {
	return fmt.Sprintf("videotestsrc name=src num-buffers=%d pattern=solid-color foreground-color=0xff808080 ! "+
		"video/x-raw,format=%s,width=320,height=240,framerate=%d/1", n, format, rate)
}

// uniform checks that every pixel of frame has pixel (0, 0)'s bytes: nothing was drawn on it.
func uniform(t *testing.T, f rawFormat, frame []byte) {
	t.Helper()
	first := f.pixelBytes(320, 240, 0, 0)
	for y := range 240 {
		for x := range 320 {
			for k, i := range f.pixelBytes(320, 240, x, y) {
				if frame[i] != frame[first[k]] {
					t.Fatalf("pixel (%d,%d) byte %d is %d, pixel (0,0)'s %d: the input is not uniform", x, y, k, frame[i], frame[first[k]])
				}
			}
		}
	}
}

// TestDrawsResults: after xclipfilter, in each format, the frames before the first result are the
// input, untouched; from the first result on every frame has a box at (4, 4) (font scale 1 at 240
// lines: margin 4) of three lines (top-k 3: 2·3 + 3·13 + 2·2 = 49 rows), as wide as its longest line
// ("0.xx a ball": 3 + 32 + 4 + 7·11 + 3 = 119), every pixel of it changed, with white text in it, and
// nothing changed outside it (chroma included).
func TestDrawsResults(t *testing.T) {
	for _, f := range rawFormats {
		t.Run(f.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.raw")
			src, convert := grayInput(f.name, 12, 30), ""
			if f.name == "GRAY8" { // xclipfilter does not take GRAY8: convert after it
				src, convert = grayInput("I420", 12, 30), "videoconvert ! video/x-raw,format=GRAY8 ! "
			}
			play(t, fmt.Sprintf(`%s ! xclipfilter model=%s labels="a ball;a dog;nobody" frame-interval=1 blocking=true ! `+
				`%sxclipoverlay ! filesink location=%s`, src, tinyA(t), convert, out), nil)
			fs := frames(t, out, f.frameSize(320, 240))
			if len(fs) != 12 {
				t.Fatalf("%d frames, want 12", len(fs))
			}
			uniform(t, f, fs[0])
			first := -1
			for i, fr := range fs {
				box, n, chromaOut, ok := changed(f, 320, 240, fr, fs[0])
				if !ok {
					if first >= 0 {
						t.Errorf("frame %d has no box after frame %d had one", i, first)
					}
					continue
				}
				if first < 0 {
					first = i
				}
				if w := box.x1 - box.x0; box.x0 != 4 || box.y0 != 4 || box.y1 != 4+49 || w != 119 {
					t.Errorf("frame %d: box %v, want (4,4) 119×49", i, box)
				}
				if area := (box.x1 - box.x0) * (box.y1 - box.y0); n != area {
					t.Errorf("frame %d: %d of the box's %d pixels changed", i, n, area)
				}
				if chromaOut != 0 {
					t.Errorf("frame %d: %d pixels outside the box have other chroma", i, chromaOut)
				}
				bright := 0
				for y := box.y0; y < box.y1; y++ {
					for x := box.x0; x < box.x1; x++ {
						i := f.pixelBytes(320, 240, x, y)[0]
						if fr[i] > fs[0][i]+60 {
							bright++
						}
					}
				}
				if bright < 100 {
					t.Errorf("frame %d: %d text pixels in the box", i, bright)
				}
			}
			// The tiny checkpoint's windows are 3 frames: the first result cannot come earlier.
			if first < 3 {
				t.Errorf("first box on frame %d", first)
			}
		})
	}
}

// TestPosition: bottom-right at font-scale 2 puts a box twice as large (98 rows for three lines)
// 8 pixels (4·scale) from the bottom-right corner, at even coordinates. (12 frames: with blocking, the
// first result is pushed before frame 6 at the latest, when the second window waits for the first.)
func TestPosition(t *testing.T) {
	f := rawFormats[2] // I420
	out := filepath.Join(t.TempDir(), "out.raw")
	play(t, fmt.Sprintf(`%s ! xclipfilter model=%s labels="a ball;a dog;nobody" frame-interval=1 blocking=true ! `+
		`xclipoverlay position=bottom-right font-scale=2 ! filesink location=%s`, grayInput("I420", 12, 30), tinyA(t), out), nil)
	fs := frames(t, out, f.frameSize(320, 240))
	box, n, chromaOut, ok := changed(f, 320, 240, fs[len(fs)-1], fs[0])
	if !ok || box.y1-box.y0 != 98 || box.x1-box.x0 != 238 || box.x1 != 320-8 || box.y1 != 240-8 ||
		n != 98*238 || chromaOut != 0 {
		t.Errorf("box %v (%d pixels changed, %d outside in chroma), want 238×98 ending at (312,232)", box, n, chromaOut)
	}
}

// TestEventsAndHold sends results and label events the way xclipfilter does (serialized custom
// downstream events between buffers, here from a probe on the source's pad, before buffers 3, 6 and
// 9) and measures the box on every frame (10 frames a second). A result draws three lines (49 rows), a
// started event adds a fourth (64 rows), its end removes it; with hold=0.25 the result disappears at
// the first frame 0.25 s after the first one that showed it (frame 6), leaving the event's line alone
// (19 rows), and after the end nothing is drawn. Every event goes on downstream.
func TestEventsAndHold(t *testing.T) {
	result := `xclip, window=(guint64)1, labels=(string)<"a fall", "a fight", "nobody">, scores=(double)<0.7, 0.2, 0.1>, ` +
		`top-label=(string)"a fall", top-score=(double)0.7, source=(string)cam`
	started := `xclip-event, label=(string)"a fall", state=(string)started, start-running-time=(guint64)300000000, ` +
		`start-stream-time=(guint64)3723000000000, peak-score=(double)0.91, windows=(guint64)2, source=(string)cam`
	ended := `xclip-event, label=(string)"a fall", state=(string)ended, start-running-time=(guint64)300000000, ` +
		`start-stream-time=(guint64)3723000000000, end-running-time=(guint64)800000000, end-stream-time=(guint64)3723500000000, ` +
		`peak-score=(double)0.91, windows=(guint64)5, source=(string)cam, reason=(string)score`
	f := rawFormats[2] // I420
	for _, c := range []struct {
		hold string
		rows []int // box height per frame, 0: nothing drawn
	}{
		{"0", []int{0, 0, 0, 49, 49, 49, 64, 64, 64, 49, 49, 49}},
		{"0.25", []int{0, 0, 0, 49, 49, 49, 19, 19, 19, 0, 0, 0}},
	} {
		t.Run("hold="+c.hold, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.raw")
			forwarded := 0
			play(t, fmt.Sprintf(`%s ! xclipoverlay hold=%s ! filesink name=sink location=%s`, grayInput("I420", 12, 10), c.hold, out),
				func(p *gst.Pipeline) {
					src, _ := p.GetElementByName("src")
					sink, _ := p.GetElementByName("sink")
					n := 0
					src.GetStaticPad("src").AddProbe(gst.PadProbeTypeBuffer, func(pad *gst.Pad, _ *gst.PadProbeInfo) gst.PadProbeReturn {
						if s := map[int]string{3: result, 6: started, 9: ended}[n]; s != "" {
							if !pad.PushEvent(gst.NewCustomEvent(gst.EventTypeCustomDownstream, gst.NewStructureFromString(s))) {
								t.Errorf("event before buffer %d refused", n)
							}
						}
						n++
						return gst.PadProbeOK
					})
					sink.GetStaticPad("sink").AddProbe(gst.PadProbeTypeEventDownstream, func(_ *gst.Pad, info *gst.PadProbeInfo) gst.PadProbeReturn {
						if ev := info.GetEvent(); ev != nil && ev.Type() == gst.EventTypeCustomDownstream {
							forwarded++
						}
						return gst.PadProbeOK
					})
				})
			if forwarded != 3 {
				t.Errorf("%d custom events reached the sink, want 3", forwarded)
			}
			fs := frames(t, out, f.frameSize(320, 240))
			if len(fs) != len(c.rows) {
				t.Fatalf("%d frames, want %d", len(fs), len(c.rows))
			}
			uniform(t, f, fs[0])
			for i, fr := range fs {
				box, _, chromaOut, ok := changed(f, 320, 240, fr, fs[0])
				rows := 0
				if ok {
					rows = box.y1 - box.y0
				}
				if rows != c.rows[i] || (ok && (box.x0 != 4 || box.y0 != 4)) || chromaOut != 0 {
					t.Errorf("frame %d: box %v (%d rows, %d chroma outside), want %d rows at (4,4)", i, box, rows, chromaOut, c.rows[i])
				}
			}
		})
	}
}

// TestSharedBuffers: behind a tee, the buffers are shared with the other branch; the overlay draws
// on its own copy (GstBaseTransform makes a buffer writable when not in passthrough), and the other
// branch's frames stay as they were. A frame too small for the box (48×36) gets the part that fits.
func TestSharedBuffers(t *testing.T) {
	f := rawFormats[3] // NV12
	for _, size := range [][2]int{{320, 240}, {48, 36}} {
		w, h := size[0], size[1]
		dir := t.TempDir()
		drawn, plain := filepath.Join(dir, "drawn.raw"), filepath.Join(dir, "plain.raw")
		result := `xclip, window=(guint64)1, labels=(string)<"a", "b">, scores=(double)<0.75, 0.25>`
		play(t, fmt.Sprintf(`videotestsrc name=src num-buffers=6 pattern=solid-color foreground-color=0xff808080 ! `+
			`video/x-raw,format=NV12,width=%d,height=%d,framerate=10/1 ! tee name=t ! queue ! xclipoverlay ! filesink location=%s `+
			`t. ! queue ! filesink location=%s`, w, h, drawn, plain),
			func(p *gst.Pipeline) {
				src, _ := p.GetElementByName("src")
				n := 0
				src.GetStaticPad("src").AddProbe(gst.PadProbeTypeBuffer, func(pad *gst.Pad, _ *gst.PadProbeInfo) gst.PadProbeReturn {
					if n == 2 {
						pad.PushEvent(gst.NewCustomEvent(gst.EventTypeCustomDownstream, gst.NewStructureFromString(result)))
					}
					n++
					return gst.PadProbeOK
				})
			})
		pf, df := frames(t, plain, f.frameSize(w, h)), frames(t, drawn, f.frameSize(w, h))
		if len(pf) != 6 || len(df) != 6 {
			t.Fatalf("%dx%d: %d and %d frames, want 6", w, h, len(pf), len(df))
		}
		for i := range 6 {
			if _, n, _, ok := changed(f, w, h, pf[i], pf[0]); ok {
				t.Errorf("%dx%d: frame %d of the other branch has %d pixels changed", w, h, i, n)
			}
			box, _, chromaOut, ok := changed(f, w, h, df[i], pf[0])
			// Two lines: 2·3 + 2·13 + 2 = 34 rows, from (4, 4), clipped to the frame.
			want := rect{4, 4, min(4+3+32+4+7*6+3, w), min(4+34, h)}
			if ok != (i >= 2) || (ok && (box != want || chromaOut != 0)) {
				t.Errorf("%dx%d: frame %d: drawn %v box %v (want %v), %d chroma outside", w, h, i, ok, box, want, chromaOut)
			}
		}
	}
}
