package preprocess

import "math"

// This file is a port of Pillow's libImaging/Resample.c (ImagingResample with the BILINEAR filter, 8 bits
// per channel), the code behind Image.resize(size, resample=2) that transformers' PIL backend calls. Every
// step is reproduced as Pillow does it, because X-CLIP's reference pixels are Pillow's bytes: the filter
// weights are computed in double with the same expressions (box, scale, support, center, the +0.5
// truncations), normalised in double, then turned into fixed point and applied with 32-bit integer sums,
// rounding and clipping to uint8 after each of the two separable passes. Any shortcut (float weights, one
// fused 2-D pass, a different rounding) moves some pixels by one uint8 step, 0.0175 after normalisation.

// precisionBits is Pillow's PRECISION_BITS for 8-bit images: 32 - 8 - 2 = 22 fractional bits leave room for
// an 8-bit sample times a weight of up to 1.0 summed over the taps, plus a sign bit and a bit of headroom
// for filters with negative lobes, inside a 32-bit int. Using the same precision makes the rounding of the
// weights, and so every output byte, identical to Pillow's.
const precisionBits = 32 - 8 - 2

// half is the rounding bias Pillow adds before the final shift (1 << (PRECISION_BITS - 1)).
const half = int32(1) << (precisionBits - 1)

// bilinearSupport is the support of Pillow's bilinear (triangle) filter at scale 1.
const bilinearSupport = 1.0

// bilinearFilter is Pillow's bilinear_filter: the triangle 1 - |x| on [-1, 1].
func bilinearFilter(x float64) float64 {
	if x < 0 {
		x = -x
	}
	if x < 1 {
		return 1 - x
	}
	return 0
}

// coeffs holds one axis's fixed-point filter, for the output indices first .. first+len(start)-1 only:
// Process needs just the ones that survive the center crop, and every index's weights are computed on
// their own, so a sub-range is bit-identical to Pillow's full table.
type coeffs struct {
	ksize int     // stride of k, Pillow's ksize = 2*ceil(support) + 1
	start []int   // first source index read by each output index (Pillow's xmin)
	count []int   // number of source samples read (Pillow's xmax after "xmax -= xmin")
	k     []int32 // weights in fixed point, ksize per output index
}

// precomputeCoeffs is Pillow's precompute_coeffs followed by normalize_coeffs_8bpc, for a resize of inSize
// samples to outSize over the whole input (box in0 = 0, in1 = inSize, which Pillow holds as float).
//
// Explicit float64 conversions keep the compiler from fusing a multiply and an add into an FMA (the Go spec
// allows fusing otherwise); Pillow's x86-64 builds round each operation, and so must we.
func precomputeCoeffs(inSize, outSize, first, n int) *coeffs {
	in0, in1 := float32(0), float32(inSize)
	scale := float64(in1-in0) / float64(outSize)
	filterscale := scale
	if filterscale < 1 {
		filterscale = 1
	}
	// When shrinking, the triangle is stretched by the scale factor: that is Pillow's antialiasing.
	support := bilinearSupport * filterscale
	ksize := int(math.Ceil(support))*2 + 1

	c := &coeffs{ksize: ksize, start: make([]int, n), count: make([]int, n), k: make([]int32, n*ksize)}
	w := make([]float64, ksize)
	ss := 1.0 / filterscale
	for j := range n {
		xx := first + j
		center := float64(in0) + float64((float64(xx)+0.5)*scale)
		ww := 0.0
		// C's (int) cast truncates toward zero, as Go's conversion does.
		xmin := int(center - support + 0.5)
		if xmin < 0 {
			xmin = 0
		}
		xmax := int(center + support + 0.5)
		if xmax > inSize {
			xmax = inSize
		}
		xmax -= xmin
		for x := range xmax {
			v := bilinearFilter(float64((float64(x+xmin) - center + 0.5) * ss))
			w[x] = v
			ww += v
		}
		k := c.k[j*ksize : (j+1)*ksize]
		for x := range xmax {
			if ww != 0 {
				w[x] /= ww
			}
			// normalize_coeffs_8bpc: round half away from zero, then C's truncating cast.
			if w[x] < 0 {
				k[x] = int32(-0.5 + float64(w[x]*(1<<precisionBits)))
			} else {
				k[x] = int32(0.5 + float64(w[x]*(1<<precisionBits)))
			}
		}
		c.start[j], c.count[j] = xmin, xmax
	}
	return c
}

// clip8 is Pillow's clip8: drop the fraction bits (arithmetic shift) and saturate to a byte.
func clip8(v int32) byte {
	v >>= precisionBits
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return byte(v)
}

// view addresses packed RGB pixels: pixel (x, y) starts at off + y*stride + 3*x.
type view struct {
	pix    []byte
	off    int
	stride int
}

// resampleHorizontal is ImagingResampleHorizontal_8bpc for source rows y0 .. y0+rows-1: each output pixel
// is the rounded, clipped fixed-point sum of its taps. dst is packed with stride 3*len(c.start).
func resampleHorizontal(dst []byte, src view, y0, rows int, c *coeffs) {
	n := len(c.start)
	dstStride := 3 * n
	for y := range rows {
		row := src.pix[src.off+(y0+y)*src.stride:]
		d := dst[y*dstStride : (y+1)*dstStride]
		for j := range n {
			xmin, cnt := c.start[j], c.count[j]
			k := c.k[j*c.ksize : j*c.ksize+cnt]
			s := row[3*xmin : 3*(xmin+cnt)]
			r, g, b := half, half, half
			for i, w := range k {
				p := s[3*i : 3*i+3 : 3*i+3]
				r += int32(p[0]) * w
				g += int32(p[1]) * w
				b += int32(p[2]) * w
			}
			d[3*j], d[3*j+1], d[3*j+2] = clip8(r), clip8(g), clip8(b)
		}
	}
}

// resampleVertical is ImagingResampleVertical_8bpc for one output row per coefficient entry, over width
// pixels of src, whose row 0 is source row y0. It sums tap by tap over whole rows (acc holds 3*width
// partial sums) rather than pixel by pixel as Pillow does: integer addition without overflow is exact in
// any order, and rows are contiguous in memory.
func resampleVertical(dst []byte, src view, y0, width int, c *coeffs, acc []int32) {
	rowBytes := 3 * width
	acc = acc[:rowBytes]
	for j := range c.start {
		for i := range acc {
			acc[i] = half
		}
		ymin, cnt := c.start[j]-y0, c.count[j]
		for i, w := range c.k[j*c.ksize : j*c.ksize+cnt] {
			row := src.pix[src.off+(ymin+i)*src.stride:][:rowBytes]
			for x, v := range row {
				acc[x] += int32(v) * w
			}
		}
		d := dst[j*rowBytes : (j+1)*rowBytes]
		for x, v := range acc {
			d[x] = clip8(v)
		}
	}
}
