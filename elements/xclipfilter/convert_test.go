package xclipfilter

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/go-gst/go-gst/gst"
	"github.com/go-gst/go-gst/gst/app"
)

func TestYUVMatrices(t *testing.T) {
	px := func(m yuvToRGB, y, u, v byte) [3]byte {
		var d [3]byte
		m.pixel(d[:], y, u, v)
		return d
	}
	for _, c := range []struct {
		name    string
		m       yuvToRGB
		y, u, v byte
		want    [3]byte
	}{
		{"601 limited black", newYUVToRGB(matrixBT601, rangeLimited), 16, 128, 128, [3]byte{0, 0, 0}},
		{"601 limited white", newYUVToRGB(matrixBT601, rangeLimited), 235, 128, 128, [3]byte{255, 255, 255}},
		{"601 limited grey", newYUVToRGB(matrixBT601, rangeLimited), 126, 128, 128, [3]byte{128, 128, 128}},
		{"601 limited red", newYUVToRGB(matrixBT601, rangeLimited), 81, 90, 240, [3]byte{255, 0, 0}},
		{"709 limited red", newYUVToRGB(matrixBT709, rangeLimited), 63, 102, 240, [3]byte{255, 0, 0}},
		{"709 limited blue", newYUVToRGB(matrixBT709, rangeLimited), 32, 240, 118, [3]byte{0, 0, 255}},
		{"601 full white", newYUVToRGB(matrixBT601, rangeFull), 255, 128, 128, [3]byte{255, 255, 255}},
		{"601 full red", newYUVToRGB(matrixBT601, rangeFull), 76, 85, 255, [3]byte{254, 0, 0}},
		{"unknown is 601", newYUVToRGB(matrixUnknown, rangeUnknown), 81, 90, 240, [3]byte{255, 0, 0}},
	} {
		got := px(c.m, c.y, c.u, c.v)
		for i := range 3 {
			d := int(got[i]) - int(c.want[i])
			if d < -1 || d > 1 {
				t.Errorf("%s: YUV(%d,%d,%d) = %v, want %v", c.name, c.y, c.u, c.v, got, c.want)
				break
			}
		}
	}
}

// TestYUVExact: the fixed-point conversion is the exact matrix, rounded, for every matrix, range and
// a grid of YUV values.
func TestYUVExact(t *testing.T) {
	for _, matrix := range []int{matrixFCC, matrixBT709, matrixBT601, matrixSMPTE240M, matrixBT2020} {
		for _, rng := range []int{rangeFull, rangeLimited} {
			m := newYUVToRGB(matrix, rng)
			kr, kb := kRKB(matrix)
			kg := 1 - kr - kb
			ys, cs, yoff := 255.0/219, 255.0/224, 16.0
			if rng == rangeFull {
				ys, cs, yoff = 1, 1, 0
			}
			for y := 0; y < 256; y += 3 {
				for u := 0; u < 256; u += 5 {
					for v := 0; v < 256; v += 7 {
						yy, uu, vv := ys*(float64(y)-yoff), cs*(float64(u)-128), cs*(float64(v)-128)
						want := [3]float64{
							yy + 2*(1-kr)*vv,
							yy - 2*kb*(1-kb)/kg*uu - 2*kr*(1-kr)/kg*vv,
							yy + 2*(1-kb)*uu,
						}
						var got [3]byte
						m.pixel(got[:], byte(y), byte(u), byte(v))
						for i := range 3 {
							w := math.Round(math.Min(255, math.Max(0, want[i])))
							if math.Abs(float64(got[i])-w) > 1 || (math.Abs(want[i]-math.Round(want[i])) < 0.49 && float64(got[i]) != w) {
								t.Fatalf("matrix %d range %d: YUV(%d,%d,%d)[%d] = %d, exact %.3f", matrix, rng, y, u, v, i, got[i], want[i])
							}
						}
					}
				}
			}
		}
	}
}

// TestPackedFormats converts random pictures with padded strides from every packed layout.
func TestPackedFormats(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, size := range [][2]int{{1, 1}, {7, 5}, {33, 17}} {
		w, h := size[0], size[1]
		rgb := make([]byte, 3*w*h)
		for i := range rgb {
			rgb[i] = byte(rng.IntN(256))
		}
		for _, c := range []struct {
			f          pixFormat
			bpp        int
			r, g, b, x int
		}{
			{fmtRGB, 3, 0, 1, 2, -1}, {fmtRGBA, 4, 0, 1, 2, 3}, {fmtBGRx, 4, 2, 1, 0, 3},
			{fmtBGRA, 4, 2, 1, 0, 3}, {fmtXRGB, 4, 1, 2, 3, 0},
		} {
			stride := c.bpp*w + 13
			buf := bytes.Repeat([]byte{0xEE}, stride*(h-1)+c.bpp*w)
			for y := range h {
				for x := range w {
					p := buf[y*stride+c.bpp*x:]
					s := rgb[3*(y*w+x):]
					p[c.r], p[c.g], p[c.b] = s[0], s[1], s[2]
					if c.x >= 0 {
						p[c.x] = 0x55
					}
				}
			}
			got, err := toRGB(c.f, w, h, planes{data: [3][]byte{buf}, stride: [3]int{stride}}, nil)
			if err != nil {
				t.Fatalf("%v %dx%d: %v", c.f, w, h, err)
			}
			if !bytes.Equal(got.Pix, rgb) || got.Stride != 3*w || got.Width != w || got.Height != h {
				t.Errorf("%v %dx%d: wrong pixels", c.f, w, h)
			}
		}
	}
}

// TestYUVPlanes checks the I420 and NV12 layouts (odd sizes, padded strides) against a pixel-by-pixel
// reading of the planes.
func TestYUVPlanes(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	m := newYUVToRGB(matrixBT709, rangeLimited)
	for _, size := range [][2]int{{1, 1}, {2, 2}, {5, 3}, {33, 17}, {64, 9}} {
		w, h := size[0], size[1]
		cw, ch := (w+1)/2, (h+1)/2
		random := func(n int) []byte {
			b := make([]byte, n)
			for i := range b {
				b[i] = byte(rng.IntN(256))
			}
			return b
		}
		ys, cs := w+3, cw+5
		yp, up, vp := random(ys*h), random(cs*ch), random(cs*ch)
		uv := make([]byte, 2*cs*ch)
		for y := range ch {
			for x := range cw {
				uv[y*2*cs+2*x], uv[y*2*cs+2*x+1] = up[y*cs+x], vp[y*cs+x]
			}
		}
		want := make([]byte, 3*w*h)
		for y := range h {
			for x := range w {
				m.pixel(want[3*(y*w+x):], yp[y*ys+x], up[(y/2)*cs+x/2], vp[(y/2)*cs+x/2])
			}
		}
		i420, err := toRGB(fmtI420, w, h, planes{data: [3][]byte{yp, up, vp}, stride: [3]int{ys, cs, cs}}, &m)
		if err != nil || !bytes.Equal(i420.Pix, want) {
			t.Errorf("I420 %dx%d: wrong pixels (%v)", w, h, err)
		}
		nv12, err := toRGB(fmtNV12, w, h, planes{data: [3][]byte{yp, uv}, stride: [3]int{ys, 2 * cs}}, &m)
		if err != nil || !bytes.Equal(nv12.Pix, want) {
			t.Errorf("NV12 %dx%d: wrong pixels (%v)", w, h, err)
		}
	}
}

// TestConvertRejectsShortPlanes: a plane smaller than its layout is an error, not a panic.
func TestConvertRejectsShortPlanes(t *testing.T) {
	m := newYUVToRGB(matrixBT601, rangeLimited)
	for _, c := range []struct {
		f pixFormat
		p planes
	}{
		{fmtRGB, planes{data: [3][]byte{make([]byte, 10)}, stride: [3]int{12}}},
		{fmtRGB, planes{data: [3][]byte{make([]byte, 100)}, stride: [3]int{5}}},
		{fmtI420, planes{data: [3][]byte{make([]byte, 16), make([]byte, 4), make([]byte, 3)}, stride: [3]int{4, 2, 2}}},
		{fmtNV12, planes{data: [3][]byte{make([]byte, 16), make([]byte, 3)}, stride: [3]int{4, 4}}},
		{pixFormat(99), planes{data: [3][]byte{make([]byte, 100)}, stride: [3]int{20}}},
	} {
		if _, err := toRGB(c.f, 4, 4, c.p, &m); err == nil {
			t.Errorf("%v with planes %d/%d/%d bytes: no error", c.f, len(c.p.data[0]), len(c.p.data[1]), len(c.p.data[2]))
		}
	}
	if _, err := toRGB(fmtRGB, 0, 4, planes{}, &m); err == nil {
		t.Error("0x4 frame: no error")
	}
}

// pull takes one buffer's bytes from the appsink named name.
func pull(t testing.TB, p *gst.Pipeline, name string) []byte {
	t.Helper()
	el, err := p.GetElementByName(name)
	if err != nil {
		t.Fatal(err)
	}
	sample := app.SinkFromElement(el).TryPullSample(gst.ClockTime(20 * time.Second))
	if sample == nil {
		t.Fatalf("no sample from %s", name)
	}
	buf := sample.GetBuffer()
	m := buf.Map(gst.MapRead)
	defer buf.Unmap()
	return append([]byte(nil), m.Bytes()...)
}

// yuvAndRGB makes one w×h frame in format/colorimetry with videoconvert, and videoconvert's own RGB
// conversion of that frame without chroma interpolation or dithering. w and h are multiples of 8, so
// that planes are tightly packed.
func yuvAndRGB(t testing.TB, format, colorimetry string, w, h int) (yuv, rgb []byte) {
	t.Helper()
	desc := fmt.Sprintf(`videotestsrc num-buffers=1 pattern=smpte ! video/x-raw,format=RGB,width=%d,height=%d ! videoconvert ! `+
		`video/x-raw,format=%s,colorimetry=%s ! tee name=t ! queue ! appsink name=yuv sync=false `+
		`t. ! queue ! videoconvert chroma-mode=none dither=none ! video/x-raw,format=RGB ! appsink name=rgb sync=false`,
		w, h, format, colorimetry)
	p, err := gst.NewPipelineFromString(desc)
	if err != nil {
		t.Fatal(err)
	}
	defer p.SetState(gst.StateNull)
	if err := p.SetState(gst.StatePlaying); err != nil {
		t.Fatal(err)
	}
	yuv, rgb = pull(t, p, "yuv"), pull(t, p, "rgb")
	if len(yuv) != w*h*3/2 || len(rgb) != 3*w*h {
		t.Fatalf("got %d YUV bytes and %d RGB bytes for %dx%d", len(yuv), len(rgb), w, h)
	}
	return yuv, rgb
}

// BenchmarkToRGB1080p times the streaming thread's work for one sampled 1920x1080 frame.
func BenchmarkToRGB1080p(b *testing.B) {
	const w, h = 1920, 1080
	m := newYUVToRGB(matrixBT709, rangeLimited)
	for _, c := range []struct {
		f pixFormat
		p planes
	}{
		{fmtI420, planes{data: [3][]byte{make([]byte, w*h), make([]byte, w*h/4), make([]byte, w*h/4)}, stride: [3]int{w, w / 2, w / 2}}},
		{fmtNV12, planes{data: [3][]byte{make([]byte, w*h), make([]byte, w*h/2)}, stride: [3]int{w, w}}},
		{fmtBGRx, planes{data: [3][]byte{make([]byte, 4*w*h)}, stride: [3]int{4 * w}}},
		{fmtRGB, planes{data: [3][]byte{make([]byte, 3*w*h)}, stride: [3]int{3 * w}}},
	} {
		b.Run(c.f.String(), func(b *testing.B) {
			b.SetBytes(3 * w * h)
			for b.Loop() {
				if _, err := toRGB(c.f, w, h, c.p, &m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
