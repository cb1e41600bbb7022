package preprocess

// span is one axis of the center crop: count samples of the resized picture, starting at src, land in the
// output starting at dst. When the picture is at least as large as the crop, dst is 0 and src is
// (size - crop) // 2, HF's top/left. When it is smaller, HF's center_crop pads with zeros first: the picture
// lands at ceil((crop - size) / 2) and the rest of the output holds the normalised value of a zero byte.
type span struct {
	src, dst, count int
}

// cropSpan returns the span for a resized size and an output size (equal to it when not cropping).
func cropSpan(size, out int) span {
	if size >= out {
		return span{src: (size - out) / 2, dst: 0, count: out}
	}
	return span{src: 0, dst: (out - size + 1) / 2, count: size}
}

// pixelTable maps a byte of channel c to its output value. Every output value depends only on its byte and
// channel, so 3x256 precomputed float32 values replace the per-pixel arithmetic, and any float evaluation
// order (the one that reproduces transformers bit for bit) costs nothing at run time.
type pixelTable [3][256]float32

// newPixelTable evaluates rescale then normalize the way transformers' numpy helpers do: rescale multiplies
// in float64 and stores float32 (image_transforms.rescale upcasts, then downcasts to float32), normalize
// subtracts the float32 mean and divides by the float32 std in float32 arithmetic (the mean and std arrays
// take the image's dtype). Without rescaling, the byte is converted to float32 as is.
func newPixelTable(c Config) *pixelTable {
	t := new(pixelTable)
	for ch := range 3 {
		mean, std := float32(c.Mean[ch]), float32(c.Std[ch])
		for v := range 256 {
			x := float32(v)
			if c.DoRescale {
				x = float32(float64(v) * c.RescaleFactor)
			}
			if c.DoNormalize {
				x = (x - mean) / std
			}
			t[ch][v] = x
		}
	}
	return t
}

// writePlanes stores the cropped RGB region img (ys.count rows of xs.count pixels) into the channel-first
// tensor dst of outH x outW, filling any padding with the value of a zero byte.
func writePlanes(dst []float32, outH, outW int, img view, ys, xs span, t *pixelTable) {
	plane := outH * outW
	if ys.count != outH || xs.count != outW {
		for ch := range 3 {
			p := dst[ch*plane : (ch+1)*plane]
			v := t[ch][0]
			for i := range p {
				p[i] = v
			}
		}
	}
	r, g, b := &t[0], &t[1], &t[2]
	for y := range ys.count {
		row := img.pix[img.off+y*img.stride:][:3*xs.count]
		o := (ys.dst+y)*outW + xs.dst
		dr := dst[o : o+xs.count]
		dg := dst[plane+o : plane+o+xs.count]
		db := dst[2*plane+o : 2*plane+o+xs.count]
		for x := range dr {
			p := row[3*x : 3*x+3 : 3*x+3]
			dr[x] = r[p[0]]
			dg[x] = g[p[1]]
			db[x] = b[p[2]]
		}
	}
}
