// Package preprocess turns raw RGB video frames into X-CLIP pixel tensors, reproducing Hugging Face's
// PIL-backed VideoMAEImageProcessor (the processor published X-CLIP checkpoints name): resize with Pillow's
// bilinear filter, center crop, rescale, normalize, channel-first float32.
package preprocess

import (
	"fmt"
	"sync"
)

// maxCachedAxes bounds the coefficient cache. A video repeats one frame size, so a handful of entries is
// the working set; a caller feeding ever-new sizes only makes the cache restart, not grow.
const maxCachedAxes = 64

// Processor turns frames into pixel tensors. It caches resampling coefficients per (source size,
// destination size), since video frames repeat the same size. Safe for concurrent use.
type Processor struct {
	cfg        Config
	outH, outW int
	table      *pixelTable

	mu    sync.Mutex
	cache map[axisKey]*coeffs

	scratch sync.Pool // *buffers
}

// axisKey names one axis's coefficients: the resize inSize -> outSize, restricted to the output indices
// first .. first+n-1 that the crop keeps.
type axisKey struct{ in, out, first, n int }

// buffers are the intermediate images of one Process call, reused across calls.
type buffers struct {
	horiz []byte  // horizontal pass output
	vert  []byte  // vertical pass output
	acc   []int32 // vertical pass row sums
}

// New validates the config (positive sizes, a fixed output size, a finite non-zero std, bilinear only)
// and returns a Processor for it.
func New(c Config) (*Processor, error) {
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("preprocess: invalid config: %w", err)
	}
	h, w := c.OutputSize()
	return &Processor{
		cfg:   c,
		outH:  h,
		outW:  w,
		table: newPixelTable(c),
		cache: make(map[axisKey]*coeffs),
		scratch: sync.Pool{New: func() any {
			return new(buffers)
		}},
	}, nil
}

// resizedSize is the size HF resizes a height x width frame to. For a shortest edge it is
// get_resize_output_image_size: the long side is int(size * long / short), a float division truncated as
// Python's int() does.
func (p *Processor) resizedSize(height, width int) (h, w int) {
	c := p.cfg
	switch {
	case !c.DoResize:
		return height, width
	case c.ShortestEdge == 0:
		return c.ResizeH, c.ResizeW
	}
	short, long := width, height
	if width > height {
		short, long = height, width
	}
	newLong := int(float64(c.ShortestEdge) * float64(long) / float64(short))
	if width <= height {
		return newLong, c.ShortestEdge
	}
	return c.ShortestEdge, newLong
}

// coeffsFor returns the (cached) coefficients for one axis.
func (p *Processor) coeffsFor(in, out int, s span) *coeffs {
	key := axisKey{in, out, s.src, s.count}
	p.mu.Lock()
	c, ok := p.cache[key]
	p.mu.Unlock()
	if ok {
		return c
	}
	c = precomputeCoeffs(in, out, s.src, s.count)
	p.mu.Lock()
	if len(p.cache) >= maxCachedAxes {
		clear(p.cache)
	}
	p.cache[key] = c
	p.mu.Unlock()
	return c
}

// Process writes the frame's [3, H, W] pixel tensor into dst (len 3*H*W, H, W = OutputSize()).
// Frames of any size (>= 1x1) work; a frame with inconsistent Pix/Stride/size is an error, never a panic.
//
// Only the pixels that survive the center crop are resampled: each output pixel of Pillow's resize depends
// on its own taps alone, so the result is identical to resizing the whole frame and cropping afterwards.
func (p *Processor) Process(dst []float32, f Frame) error {
	if err := f.check(); err != nil {
		return fmt.Errorf("preprocess: %w", err)
	}
	if want := 3 * p.outH * p.outW; len(dst) != want {
		return fmt.Errorf("preprocess: output buffer holds %d values, want 3*%d*%d = %d", len(dst), p.outH, p.outW, want)
	}
	rh, rw := p.resizedSize(f.Height, f.Width)
	ys, xs := cropSpan(rh, p.outH), cropSpan(rw, p.outW)

	buf := p.scratch.Get().(*buffers)
	defer p.scratch.Put(buf)
	img := p.resize(buf, view{pix: f.Pix, stride: f.Stride}, f.Height, f.Width, rh, rw, ys, xs)
	writePlanes(dst, p.outH, p.outW, img, ys, xs, p.table)
	return nil
}

// resize is ImagingResampleInner restricted to the crop: it returns a view of the resized picture's rows
// ys and columns xs. As in Pillow, a pass runs only when its dimension changes, the horizontal pass runs
// first and only over the source rows the vertical pass reads, and a frame already at the target size is
// left untouched.
func (p *Processor) resize(buf *buffers, src view, h, w, rh, rw int, ys, xs span) view {
	needH, needV := rw != w, rh != h
	var hc, vc *coeffs
	y0, y1 := ys.src, ys.src+ys.count // source rows needed
	if needV {
		vc = p.coeffsFor(h, rh, ys)
		last := len(vc.start) - 1
		y0, y1 = vc.start[0], vc.start[last]+vc.count[last]
	}

	cur, curY0 := view{pix: src.pix, off: src.off + 3*xs.src, stride: src.stride}, 0
	if needH {
		hc = p.coeffsFor(w, rw, xs)
		buf.horiz = grow(buf.horiz, (y1-y0)*3*xs.count)
		resampleHorizontal(buf.horiz, src, y0, y1-y0, hc)
		cur, curY0 = view{pix: buf.horiz, stride: 3 * xs.count}, y0
	}
	if !needV {
		cur.off += (ys.src - curY0) * cur.stride
		return cur
	}
	buf.vert = grow(buf.vert, ys.count*3*xs.count)
	if cap(buf.acc) < 3*xs.count {
		buf.acc = make([]int32, 3*xs.count)
	}
	resampleVertical(buf.vert, cur, curY0, xs.count, vc, buf.acc)
	return view{pix: buf.vert, stride: 3 * xs.count}
}

func grow(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n)
	}
	return b[:n]
}
