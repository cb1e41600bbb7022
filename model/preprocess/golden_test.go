package preprocess

import (
	"math"
	"os"
	"testing"

	"github.com/xclipfilter/xclipfilter/internal/golden"
	"github.com/xclipfilter/xclipfilter/model/safetensors"
)

// goldenCases are the cases of processor-golden.safetensors (see ../shared/golden/README.md). The
// repository's testdata copy holds a subset of them (one frame of each cheap case); the golden folder,
// when XCLIP_GOLDEN names it, has them all.
var goldenCases = []string{"landscape_240x320", "portrait_480x270", "small_100x150", "hd_720x1280", "odd_223x401", "exact_224x224"}

// Tolerances from the golden README: one uint8 step after normalisation, and a mean that only a few such
// steps can reach.
const (
	goldenMaxAbs  = 0.0176
	goldenMeanAbs = 2e-4
)

type goldenCase struct {
	name   string
	frames []byte // [F, H, W, 3]
	f      int
	h, w   int
	want   []float32 // [F, 3, 224, 224]
}

func loadGolden(t testing.TB) []goldenCase {
	t.Helper()
	path := golden.Fixture(t, "processor-golden.safetensors")
	sf, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sf.Close() })
	var out []goldenCase
	for _, name := range goldenCases {
		if !sf.Has(name+".frames") && os.Getenv(golden.EnvVar) == "" {
			continue // not in the repository's subset
		}
		frames, fs, err := sf.Bytes(name + ".frames")
		if err != nil {
			t.Fatal(err)
		}
		want, ws, err := sf.Float32(name + ".pixel_values")
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != 4 || fs[3] != 3 || len(ws) != 4 || ws[0] != fs[0] || ws[1] != 3 || ws[2] != 224 || ws[3] != 224 {
			t.Fatalf("%s: unexpected shapes frames %v pixel_values %v", name, fs, ws)
		}
		out = append(out, goldenCase{name: name, frames: frames, f: fs[0], h: fs[1], w: fs[2], want: want})
	}
	if len(out) == 0 {
		t.Fatalf("%s holds none of the cases %v", path, goldenCases)
	}
	return out
}

// frame returns frame i of the case, tightly packed.
func (g goldenCase) frame(i int) Frame {
	n := g.h * g.w * 3
	return Frame{Pix: g.frames[i*n : (i+1)*n], Width: g.w, Height: g.h, Stride: 3 * g.w}
}

func TestGolden(t *testing.T) {
	cases := loadGolden(t)
	p, err := New(Default(224))
	if err != nil {
		t.Fatal(err)
	}
	const per = 3 * 224 * 224
	for _, g := range cases {
		t.Run(g.name, func(t *testing.T) {
			got := make([]float32, per)
			var maxAbs, sum float64
			for i := range g.f {
				if err := p.Process(got, g.frame(i)); err != nil {
					t.Fatal(err)
				}
				for j, v := range got {
					d := math.Abs(float64(v) - float64(g.want[i*per+j]))
					sum += d
					maxAbs = max(maxAbs, d)
				}
			}
			mean := sum / float64(g.f*per)
			t.Logf("%s (%d frames %dx%d): max abs %.3g, mean abs %.3g", g.name, g.f, g.w, g.h, maxAbs, mean)
			if maxAbs > goldenMaxAbs || mean > goldenMeanAbs {
				t.Errorf("%s: max abs %g (limit %g), mean abs %g (limit %g)", g.name, maxAbs, goldenMaxAbs, mean, goldenMeanAbs)
			}
		})
	}
}

// TestGoldenStride feeds every case through a buffer whose rows are padded (and start at an offset, as a
// sub-image would): the output must not change by a single bit.
func TestGoldenStride(t *testing.T) {
	cases := loadGolden(t)
	p, err := New(Default(224))
	if err != nil {
		t.Fatal(err)
	}
	const per = 3 * 224 * 224
	for _, g := range cases {
		f := g.frame(g.f - 1)
		stride := 3*f.Width + 7
		padded := make([]byte, 5+f.Height*stride)
		for i := range padded {
			padded[i] = 0xA5 // garbage that must never be read
		}
		for y := range f.Height {
			copy(padded[5+y*stride:], f.Pix[y*f.Stride:][:3*f.Width])
		}
		// The last row needs only its pixels, as in the image package.
		pf := Frame{Pix: padded[5 : 5+(f.Height-1)*stride+3*f.Width], Width: f.Width, Height: f.Height, Stride: stride}
		a, b := make([]float32, per), make([]float32, per)
		if err := p.Process(a, f); err != nil {
			t.Fatal(err)
		}
		if err := p.Process(b, pf); err != nil {
			t.Fatalf("%s padded: %v", g.name, err)
		}
		for i := range a {
			if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
				t.Fatalf("%s: padded stride changes value %d: %v vs %v", g.name, i, a[i], b[i])
			}
		}
	}
}

// BenchmarkProcess720p times one 1280x720 frame to 224x224 with the coefficient cache warm, as for video.
func BenchmarkProcess720p(b *testing.B) {
	f := Frame{Pix: make([]byte, 1280*720*3), Width: 1280, Height: 720, Stride: 1280 * 3}
	for i := range f.Pix {
		f.Pix[i] = byte(i*7 + i/3840)
	}
	p, err := New(Default(224))
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]float32, 3*224*224)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := p.Process(dst, f); err != nil {
			b.Fatal(err)
		}
	}
}
