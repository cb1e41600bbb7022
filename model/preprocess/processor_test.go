package preprocess

import (
	"math"
	"sync"
	"testing"
)

func TestOneByOne(t *testing.T) {
	p, err := New(Default(224))
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]float32, 3*224*224)
	if err := p.Process(dst, Frame{Pix: []byte{10, 128, 250}, Width: 1, Height: 1, Stride: 3}); err != nil {
		t.Fatal(err)
	}
	c := Default(224)
	for ch, v := range []byte{10, 128, 250} {
		want := float32((float32(float64(v)/255) - float32(c.Mean[ch])) / float32(c.Std[ch]))
		for i, got := range dst[ch*224*224 : (ch+1)*224*224] {
			if got != want {
				t.Fatalf("channel %d pixel %d = %v, want %v (a 1x1 frame must give a uniform image)", ch, i, got, want)
			}
		}
	}
}

func TestBadFrames(t *testing.T) {
	p, err := New(Default(32))
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]float32, 3*32*32)
	for name, f := range map[string]Frame{
		"short Pix":          {Pix: make([]byte, 10*12*3-1), Width: 12, Height: 10, Stride: 36},
		"short Pix, padded":  {Pix: make([]byte, 9*40+35), Width: 12, Height: 10, Stride: 40},
		"stride < 3*width":   {Pix: make([]byte, 1000), Width: 12, Height: 10, Stride: 35},
		"zero width":         {Pix: make([]byte, 100), Width: 0, Height: 10, Stride: 3},
		"negative height":    {Pix: make([]byte, 100), Width: 1, Height: -1, Stride: 3},
		"nil Pix":            {Width: 1, Height: 1, Stride: 3},
		"overflowing height": {Pix: make([]byte, 100), Width: 1, Height: math.MaxInt, Stride: 3},
		"overflowing width":  {Pix: make([]byte, 100), Width: math.MaxInt / 2, Height: 1, Stride: math.MaxInt},
		"empty":              FromImage(imageOfSize(0, 0)),
	} {
		if err := p.Process(dst, f); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	ok := Frame{Pix: make([]byte, 10*12*3), Width: 12, Height: 10, Stride: 36}
	if err := p.Process(dst, ok); err != nil {
		t.Errorf("valid frame: %v", err)
	}
	if err := p.Process(dst[:len(dst)-1], ok); err == nil {
		t.Error("short dst: no error")
	}
}

// TestCenterCropPads checks HF center_crop's zero padding when the picture is smaller than the crop: the
// picture lands at ceil((crop - size) / 2), and the padding is the normalised value of a zero byte.
func TestCenterCropPads(t *testing.T) {
	c := Default(4)
	c.DoResize = false
	c.CropH, c.CropW = 4, 5
	p, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	// 2 rows x 3 columns -> rows 1..2, columns 1..3 of the 4x5 output.
	f := Frame{Pix: make([]byte, 2*3*3), Width: 3, Height: 2, Stride: 9}
	for i := range f.Pix {
		f.Pix[i] = byte(100 + i)
	}
	dst := make([]float32, 3*4*5)
	if err := p.Process(dst, f); err != nil {
		t.Fatal(err)
	}
	tab := newPixelTable(c)
	for ch := range 3 {
		for y := range 4 {
			for x := range 5 {
				want := tab[ch][0]
				if y >= 1 && y < 3 && x >= 1 && x < 4 {
					want = tab[ch][f.Pix[(y-1)*9+(x-1)*3+ch]]
				}
				if got := dst[ch*20+y*5+x]; got != want {
					t.Errorf("channel %d (%d,%d) = %v, want %v", ch, y, x, got, want)
				}
			}
		}
	}
}

// TestCropMatchesFullResize checks the crop-restricted resampling against resizing every pixel and
// cropping afterwards, for shrinking, enlarging and mixed aspect ratios.
func TestCropMatchesFullResize(t *testing.T) {
	for _, sz := range [][2]int{{37, 53}, {53, 37}, {9, 20}, {200, 31}, {16, 16}, {15, 40}} {
		h, w := sz[0], sz[1]
		f := Frame{Pix: make([]byte, h*w*3), Width: w, Height: h, Stride: 3 * w}
		for i := range f.Pix {
			f.Pix[i] = byte(i*37 + i*i/7)
		}
		p, err := New(Default(16))
		if err != nil {
			t.Fatal(err)
		}
		got := make([]float32, 3*16*16)
		if err := p.Process(got, f); err != nil {
			t.Fatal(err)
		}
		// Reference: resize the whole frame with full coefficient tables, then crop.
		rh, rw := p.resizedSize(h, w)
		full := view{pix: f.Pix, stride: f.Stride}
		if rw != w {
			hc := precomputeCoeffs(w, rw, 0, rw)
			tmp := make([]byte, h*rw*3)
			resampleHorizontal(tmp, full, 0, h, hc)
			full = view{pix: tmp, stride: 3 * rw}
		}
		if rh != h {
			vc := precomputeCoeffs(h, rh, 0, rh)
			out := make([]byte, rh*rw*3)
			resampleVertical(out, full, 0, rw, vc, make([]int32, 3*rw))
			full = view{pix: out, stride: 3 * rw}
		}
		ys, xs := cropSpan(rh, 16), cropSpan(rw, 16)
		full.off += ys.src*full.stride + 3*xs.src
		want := make([]float32, 3*16*16)
		writePlanes(want, 16, 16, full, ys, xs, p.table)
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%dx%d: value %d = %v, full resize then crop gives %v", w, h, i, got[i], want[i])
			}
		}
	}
}

func TestConcurrentProcess(t *testing.T) {
	p, err := New(Default(32))
	if err != nil {
		t.Fatal(err)
	}
	sizes := [][2]int{{48, 64}, {64, 48}, {20, 30}, {32, 32}}
	frames := make([]Frame, len(sizes))
	want := make([][]float32, len(sizes))
	for i, s := range sizes {
		frames[i] = Frame{Pix: make([]byte, s[0]*s[1]*3), Width: s[1], Height: s[0], Stride: 3 * s[1]}
		for j := range frames[i].Pix {
			frames[i].Pix[j] = byte(j * (i + 3))
		}
		want[i] = make([]float32, 3*32*32)
		if err := p.Process(want[i], frames[i]); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			dst := make([]float32, 3*32*32)
			for n := range 20 {
				i := (g + n) % len(frames)
				if err := p.Process(dst, frames[i]); err != nil {
					t.Error(err)
					return
				}
				for j := range dst {
					if dst[j] != want[i][j] {
						t.Errorf("goroutine %d frame %d: value %d differs", g, i, j)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}
