package preprocess

import (
	"fmt"
	"image"
	"image/color"
)

// Frame is one RGB picture: 3 bytes per pixel, rows Stride bytes apart (Stride >= 3*Width).
//
// Like the standard library's image types, the last row only needs its 3*Width pixel bytes, so a Frame may
// view a sub-rectangle of a larger buffer: len(Pix) >= (Height-1)*Stride + 3*Width.
type Frame struct {
	Pix           []byte
	Width, Height int
	Stride        int
}

// check reports why f cannot be read safely. It divides instead of multiplying so that absurd sizes cannot
// overflow int and slip through.
func (f Frame) check() error {
	if f.Width < 1 || f.Height < 1 {
		return fmt.Errorf("frame is %dx%d, want at least 1x1", f.Width, f.Height)
	}
	if f.Stride < 3 || f.Stride/3 < f.Width {
		return fmt.Errorf("frame stride %d is shorter than a row of %d RGB pixels", f.Stride, f.Width)
	}
	rowBytes := 3 * f.Width
	if len(f.Pix) < rowBytes || (len(f.Pix)-rowBytes)/f.Stride < f.Height-1 {
		return fmt.Errorf("frame buffer holds %d bytes, too few for %d rows of stride %d (%dx%d RGB)",
			len(f.Pix), f.Height, f.Stride, f.Width, f.Height)
	}
	return nil
}

// FromImage converts any image.Image (a decoded PNG or JPEG, say) to a tightly packed RGB Frame.
//
// Alpha is dropped the way PIL's convert("RGB") drops it from an RGBA picture: the straight (non-premultiplied)
// colour is kept and nothing is composited over a background. Go's *image.RGBA stores premultiplied colour,
// so its translucent pixels are un-premultiplied first (as color.NRGBAModel does); *image.NRGBA, which is what
// image/png decodes a translucent PNG to, already stores PIL's representation and is copied as is. YCbCr
// pictures (decoded JPEGs) use color.YCbCrToRGB, the same conversion image/draw applies.
func FromImage(img image.Image) Frame {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= 0 || h <= 0 {
		return Frame{}
	}
	f := Frame{Pix: make([]byte, 3*w*h), Width: w, Height: h, Stride: 3 * w}
	switch m := img.(type) {
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][:4*w]
			dst := f.Pix[y*f.Stride:][:3*w]
			for x := 0; x < w; x++ {
				dst[3*x], dst[3*x+1], dst[3*x+2] = src[4*x], src[4*x+1], src[4*x+2]
			}
		}
	case *image.RGBA:
		for y := 0; y < h; y++ {
			src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][:4*w]
			dst := f.Pix[y*f.Stride:][:3*w]
			for x := 0; x < w; x++ {
				r, g, bb, a := src[4*x], src[4*x+1], src[4*x+2], src[4*x+3]
				if a != 0xff {
					c := color.NRGBAModel.Convert(color.RGBA{r, g, bb, a}).(color.NRGBA)
					r, g, bb = c.R, c.G, c.B
				}
				dst[3*x], dst[3*x+1], dst[3*x+2] = r, g, bb
			}
		}
	case *image.Gray:
		for y := 0; y < h; y++ {
			src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][:w]
			dst := f.Pix[y*f.Stride:][:3*w]
			for x, v := range src {
				dst[3*x], dst[3*x+1], dst[3*x+2] = v, v, v
			}
		}
	case *image.YCbCr:
		for y := 0; y < h; y++ {
			dst := f.Pix[y*f.Stride:][:3*w]
			for x := 0; x < w; x++ {
				yi := m.YOffset(b.Min.X+x, b.Min.Y+y)
				ci := m.COffset(b.Min.X+x, b.Min.Y+y)
				dst[3*x], dst[3*x+1], dst[3*x+2] = color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
			}
		}
	default:
		for y := 0; y < h; y++ {
			dst := f.Pix[y*f.Stride:][:3*w]
			for x := 0; x < w; x++ {
				dst[3*x], dst[3*x+1], dst[3*x+2] = rgbOf(img.At(b.Min.X+x, b.Min.Y+y))
			}
		}
	}
	return f
}

// rgbOf is the generic conversion: straight colour via color.NRGBAModel, except that YCbCr colours use the
// 8-bit color.YCbCrToRGB so that a YCbCr picture gives the same bytes whichever path converts it.
func rgbOf(c color.Color) (r, g, b byte) {
	switch v := c.(type) {
	case color.YCbCr:
		return color.YCbCrToRGB(v.Y, v.Cb, v.Cr)
	case color.NYCbCrA:
		return color.YCbCrToRGB(v.Y, v.Cb, v.Cr)
	}
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	return n.R, n.G, n.B
}
