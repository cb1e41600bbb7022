package xclipoverlay

import (
	"image"
	"math"
)

// component is one colour component of a mapped frame, as GstVideoFrame describes it: R, G or B of a
// packed or planar RGB format, Y, U or V of a planar or semi-planar YUV format, or the one plane of a
// gray format. The same three numbers (stride, pixel stride, first byte) cover every 8-bit layout:
// BGRx is three components with pixel stride 4 and offsets 2, 1, 0; NV12's U and V share a plane with
// pixel stride 2.
type component struct {
	data          []byte // from the component's first sample
	stride        int    // bytes from one row to the next
	pstride       int    // bytes from one sample to the next
	width, height int    // in samples
	wsub, hsub    uint   // log2 of the horizontal and vertical subsampling
}

// canvas is a mapped frame: width × height pixels, and the components the overlay is blended into
// (alpha, when the format has one, is left as it is).
type canvas struct {
	width, height int
	comps         []component
}

// colorModel says what a component's number is for a colour: R, G, B as they are, or Y'CbCr
// from the caps' colour matrix and range (GStreamer's own numbers: gst_video_color_matrix_get_Kr_Kb
// and gst_video_color_range_offsets).
type colorModel struct {
	yuv           bool
	kr, kb        float64
	offset, scale [3]int
}

// rgb is the model of the RGB formats.
var rgb = colorModel{}

// toComponents returns the components' values for the colour (r, g, b):
//
//	Y' = Kr·R + (1−Kr−Kb)·G + Kb·B,  Pb = (B−Y') / 2(1−Kb),  Pr = (R−Y') / 2(1−Kr)   (R, G, B in [0, 1])
//	Y = offset₀ + scale₀·Y',  U = offset₁ + scale₁·Pb,  V = offset₂ + scale₂·Pr      (rounded, clamped)
func (m *colorModel) toComponents(r, g, b uint8) [3]uint8 {
	if !m.yuv {
		return [3]uint8{r, g, b}
	}
	R, G, B := float64(r)/255, float64(g)/255, float64(b)/255
	y := m.kr*R + (1-m.kr-m.kb)*G + m.kb*B
	pb := (B - y) / (2 * (1 - m.kb))
	pr := (R - y) / (2 * (1 - m.kr))
	return [3]uint8{
		clamp8(float64(m.offset[0]) + float64(m.scale[0])*y),
		clamp8(float64(m.offset[1]) + float64(m.scale[1])*pb),
		clamp8(float64(m.offset[2]) + float64(m.scale[2])*pr),
	}
}

func clamp8(v float64) uint8 { return uint8(math.Max(0, math.Min(255, math.Round(v)))) }

// sprite is a rendered overlay in a frame's colour model: per pixel its alpha and each component's
// value, w×h, row-major.
type sprite struct {
	w, h  int
	alpha []uint8
	vals  [3][]uint8
}

// newSprite converts img (straight, not premultiplied, alpha) to m's components.
func newSprite(img *image.NRGBA, m colorModel) *sprite {
	b := img.Bounds()
	sp := &sprite{w: b.Dx(), h: b.Dy(), alpha: make([]uint8, b.Dx()*b.Dy())}
	for c := range sp.vals {
		sp.vals[c] = make([]uint8, len(sp.alpha))
	}
	for y := range sp.h {
		row := img.Pix[y*img.Stride:]
		for x := range sp.w {
			i := y*sp.w + x
			p := row[4*x : 4*x+4]
			sp.alpha[i] = p[3]
			v := m.toComponents(p[0], p[1], p[2])
			sp.vals[0][i], sp.vals[1][i], sp.vals[2][i] = v[0], v[1], v[2]
		}
	}
	return sp
}

// blend draws sp onto cv with its top-left corner at pixel (x0, y0), clipped to the frame. Each
// component sample becomes
//
//	out = (src·(255·n − Σa) + Σ a·v + 255·n/2) / (255·n)
//
// over the n = 2^(wsub+hsub) pixels the sample covers (a, v: the sprite's alpha and value there; a
// pixel outside the sprite or the frame has a = 0). Without subsampling it is the usual
// (src·(255−a) + v·a) / 255, rounded; a subsampled chroma sample takes the mean of its pixels.
func blend(cv *canvas, sp *sprite, x0, y0 int) {
	if sp == nil {
		return
	}
	// The sprite's part inside the frame, in frame pixels.
	xe, ye := min(x0+sp.w, cv.width), min(y0+sp.h, cv.height)
	xs, ys := max(x0, 0), max(y0, 0)
	if xs >= xe || ys >= ye {
		return
	}
	for ci := range cv.comps {
		c := &cv.comps[ci]
		vals := sp.vals[ci]
		bw, bh := 1<<c.wsub, 1<<c.hsub
		d := 255 * bw * bh
		for sy := ys >> c.hsub; sy <= (ye-1)>>c.hsub && sy < c.height; sy++ {
			row := sy * c.stride
			for sx := xs >> c.wsub; sx <= (xe-1)>>c.wsub && sx < c.width; sx++ {
				sumA, sumAV := 0, 0
				for py := max(sy<<c.hsub, ys); py < min((sy+1)<<c.hsub, ye); py++ {
					i := (py-y0)*sp.w - x0
					for px := max(sx<<c.wsub, xs); px < min((sx+1)<<c.wsub, xe); px++ {
						a := int(sp.alpha[i+px])
						sumA += a
						sumAV += a * int(vals[i+px])
					}
				}
				if sumA == 0 {
					continue
				}
				p := &c.data[row+sx*c.pstride]
				*p = uint8((int(*p)*(d-sumA) + sumAV + d/2) / d)
			}
		}
	}
}
