package preprocess

import (
	"bytes"
	"image"
	"image/color"
	"testing"
)

func imageOfSize(w, h int) image.Image { return image.NewNRGBA(image.Rect(0, 0, w, h)) }

func TestFromImage(t *testing.T) {
	rect := image.Rect(0, 0, 2, 2)

	nrgba := image.NewNRGBA(rect)
	nrgba.SetNRGBA(0, 0, color.NRGBA{10, 20, 30, 255})
	nrgba.SetNRGBA(1, 0, color.NRGBA{40, 50, 60, 0}) // PIL keeps the colour of a fully transparent pixel
	nrgba.SetNRGBA(0, 1, color.NRGBA{70, 80, 90, 128})
	nrgba.SetNRGBA(1, 1, color.NRGBA{255, 0, 7, 1})
	wantNRGBA := []byte{10, 20, 30, 40, 50, 60, 70, 80, 90, 255, 0, 7}

	rgba := image.NewRGBA(rect)
	rgba.SetRGBA(0, 0, color.RGBA{10, 20, 30, 255})
	rgba.SetRGBA(1, 0, color.RGBA{0, 0, 0, 0})
	rgba.SetRGBA(0, 1, color.RGBA{64, 32, 0, 128}) // premultiplied: straight colour is about (127, 63, 0)
	rgba.SetRGBA(1, 1, color.RGBA{1, 2, 3, 255})
	c := color.NRGBAModel.Convert(color.RGBA{64, 32, 0, 128}).(color.NRGBA)
	wantRGBA := []byte{10, 20, 30, 0, 0, 0, c.R, c.G, c.B, 1, 2, 3}
	if c.R != 127 || c.G != 63 || c.B != 0 {
		t.Fatalf("un-premultiplied colour %v, want (127, 63, 0)", c)
	}

	gray := image.NewGray(rect)
	copy(gray.Pix, []byte{0, 9, 200, 255})
	wantGray := []byte{0, 0, 0, 9, 9, 9, 200, 200, 200, 255, 255, 255}

	ycc := image.NewYCbCr(image.Rect(0, 0, 3, 3), image.YCbCrSubsampleRatio420)
	for i := range ycc.Y {
		ycc.Y[i] = byte(40 + 20*i)
	}
	for i := range ycc.Cb {
		ycc.Cb[i] = byte(90 + 30*i)
		ycc.Cr[i] = byte(200 - 40*i)
	}
	var wantYCC []byte
	for y := range 3 {
		for x := range 3 {
			r, g, b := color.YCbCrToRGB(ycc.Y[ycc.YOffset(x, y)], ycc.Cb[ycc.COffset(x, y)], ycc.Cr[ycc.COffset(x, y)])
			wantYCC = append(wantYCC, r, g, b)
		}
	}

	for name, tc := range map[string]struct {
		img  image.Image
		want []byte
	}{
		"NRGBA": {nrgba, wantNRGBA},
		"RGBA":  {rgba, wantRGBA},
		"Gray":  {gray, wantGray},
		"YCbCr": {ycc, wantYCC},
	} {
		f := FromImage(tc.img)
		b := tc.img.Bounds()
		if f.Width != b.Dx() || f.Height != b.Dy() || f.Stride != 3*f.Width {
			t.Errorf("%s: frame %dx%d stride %d", name, f.Width, f.Height, f.Stride)
		}
		if !bytes.Equal(f.Pix, tc.want) {
			t.Errorf("%s: got %v, want %v", name, f.Pix, tc.want)
		}
		// The generic path (through image.Image.At) must agree with the fast path.
		if g := FromImage(opaqueWrapper{tc.img}); !bytes.Equal(g.Pix, tc.want) {
			t.Errorf("%s generic path: got %v, want %v", name, g.Pix, tc.want)
		}
	}

	// Sub-images start at their bounds, not at the buffer's origin.
	sub := ycc.SubImage(image.Rect(1, 1, 3, 3))
	if f := FromImage(sub); !bytes.Equal(f.Pix, append(append([]byte{}, wantYCC[12:18]...), wantYCC[21:27]...)) {
		t.Errorf("YCbCr sub-image: got %v", f.Pix)
	}
	subN := nrgba.SubImage(image.Rect(1, 0, 2, 2))
	if f := FromImage(subN); !bytes.Equal(f.Pix, []byte{40, 50, 60, 255, 0, 7}) {
		t.Errorf("NRGBA sub-image: got %v", f.Pix)
	}
}

// opaqueWrapper hides the concrete type so that FromImage takes its generic path.
type opaqueWrapper struct{ image.Image }
