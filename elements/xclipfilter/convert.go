package xclipfilter

import (
	"fmt"

	"github.com/xclipfilter/xclipfilter/model/preprocess"
)

// pixFormat is one of the sink formats.
type pixFormat int

const (
	fmtRGB pixFormat = iota + 1
	fmtRGBA
	fmtBGRx
	fmtBGRA
	fmtXRGB
	fmtI420
	fmtNV12
)

func (p pixFormat) String() string {
	switch p {
	case fmtRGB:
		return "RGB"
	case fmtRGBA:
		return "RGBA"
	case fmtBGRx:
		return "BGRx"
	case fmtBGRA:
		return "BGRA"
	case fmtXRGB:
		return "xRGB"
	case fmtI420:
		return "I420"
	case fmtNV12:
		return "NV12"
	}
	return fmt.Sprintf("format(%d)", int(p))
}

// Colour matrices, as GstVideoColorMatrix numbers them.
const (
	matrixUnknown = iota
	matrixRGB
	matrixFCC
	matrixBT709
	matrixBT601
	matrixSMPTE240M
	matrixBT2020
)

// Colour ranges, as GstVideoColorRange numbers them.
const (
	rangeUnknown = iota
	rangeFull    // 0-255
	rangeLimited // 16-235 (luma), 16-240 (chroma)
)

// yuvToRGB is the fixed-point form (16 fractional bits) of the YCbCr → R'G'B' matrix that GStreamer's
// video converter builds for a colorimetry (video-converter.c: offsets and scales from
// gst_video_color_range_offsets, then color_matrix_YCbCr_to_RGB with the matrix's Kr and Kb):
//
//	R = ys·(Y−yoff) + cs·2(1−Kr)·(V−128)
//	G = ys·(Y−yoff) − cs·2Kb(1−Kb)/Kg·(U−128) − cs·2Kr(1−Kr)/Kg·(V−128)
//	B = ys·(Y−yoff) + cs·2(1−Kb)·(U−128)
//
// with ys = 255/219, cs = 255/224, yoff = 16 for limited range and ys = cs = 1, yoff = 0 for full range.
type yuvToRGB struct {
	yoff                   int32
	cy, crv, cgu, cgv, cbu int32
}

func kRKB(matrix int) (kr, kb float64) {
	switch matrix {
	case matrixFCC:
		return 0.30, 0.11
	case matrixBT709:
		return 0.2126, 0.0722
	case matrixSMPTE240M:
		return 0.212, 0.087
	case matrixBT2020:
		return 0.2627, 0.0593
	}
	return 0.2990, 0.1140 // BT.601, also GStreamer's fallback for unknown YUV matrices
}

func newYUVToRGB(matrix, colorRange int) yuvToRGB {
	kr, kb := kRKB(matrix)
	kg := 1 - kr - kb
	ys, cs, yoff := 255.0/219, 255.0/224, int32(16)
	if colorRange == rangeFull {
		ys, cs, yoff = 1, 1, 0
	}
	fix := func(v float64) int32 {
		if v < 0 {
			return int32(v*65536 - 0.5)
		}
		return int32(v*65536 + 0.5)
	}
	return yuvToRGB{
		yoff: yoff,
		cy:   fix(ys),
		crv:  fix(cs * 2 * (1 - kr)),
		cgu:  fix(cs * 2 * kb * (1 - kb) / kg),
		cgv:  fix(cs * 2 * kr * (1 - kr) / kg),
		cbu:  fix(cs * 2 * (1 - kb)),
	}
}

func clamp8(v int32) byte {
	v = (v + 1<<15) >> 16
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return byte(v)
}

func (m *yuvToRGB) pixel(dst []byte, y, u, v byte) {
	yy := m.cy * (int32(y) - m.yoff)
	uu, vv := int32(u)-128, int32(v)-128
	dst[0] = clamp8(yy + m.crv*vv)
	dst[1] = clamp8(yy - m.cgu*uu - m.cgv*vv)
	dst[2] = clamp8(yy + m.cbu*uu)
}

// row converts one row of w = len(yr) pixels whose chroma is shared by pairs of pixels: the chroma
// of pixels 2i and 2i+1 is u[step·i], v[step·i] (I420: step 1; NV12: step 2 over the interleaved plane).
func (m *yuvToRGB) row(dst, yr, u, v []byte, step int) {
	w := len(yr)
	for x := 0; x+1 < w; x += 2 {
		c := step * (x / 2)
		uu, vv := int32(u[c])-128, int32(v[c])-128
		r, g, b := m.crv*vv, -m.cgu*uu-m.cgv*vv, m.cbu*uu
		y0, y1 := m.cy*(int32(yr[x])-m.yoff), m.cy*(int32(yr[x+1])-m.yoff)
		d := dst[3*x : 3*x+6 : 3*x+6]
		d[0], d[1], d[2] = clamp8(y0+r), clamp8(y0+g), clamp8(y0+b)
		d[3], d[4], d[5] = clamp8(y1+r), clamp8(y1+g), clamp8(y1+b)
	}
	if w%2 == 1 {
		c := step * (w / 2)
		m.pixel(dst[3*(w-1):3*w], yr[w-1], u[c], v[c])
	}
}

// planes are the mapped planes of one frame: plane i starts at data[i], rows stride[i] bytes apart.
type planes struct {
	data   [3][]byte
	stride [3]int
}

// planeLayout returns, for plane i of a w×h frame of format f, its rows and the bytes of one row.
func planeLayout(f pixFormat, w, h, i int) (rows, rowBytes int) {
	switch f {
	case fmtRGB:
		if i == 0 {
			return h, 3 * w
		}
	case fmtRGBA, fmtBGRx, fmtBGRA, fmtXRGB:
		if i == 0 {
			return h, 4 * w
		}
	case fmtI420:
		switch i {
		case 0:
			return h, w
		case 1, 2:
			return (h + 1) / 2, (w + 1) / 2
		}
	case fmtNV12:
		switch i {
		case 0:
			return h, w
		case 1:
			return (h + 1) / 2, 2 * ((w + 1) / 2)
		}
	}
	return 0, 0
}

// numPlanes is the number of planes of format f.
func numPlanes(f pixFormat) int {
	switch f {
	case fmtI420:
		return 3
	case fmtNV12:
		return 2
	}
	return 1
}

// planeBytes is how many bytes plane i needs from its start: full strides but for the last row.
func planeBytes(f pixFormat, w, h, i, stride int) int {
	rows, rowBytes := planeLayout(f, w, h, i)
	if rows == 0 {
		return 0
	}
	return (rows-1)*stride + rowBytes
}

// toRGB converts one mapped frame into a new packed RGB frame (3 bytes a pixel, no padding), the
// layout the model's preprocessing reads. Alpha and padding bytes are dropped; YUV uses m.
func toRGB(f pixFormat, w, h int, p planes, m *yuvToRGB) (preprocess.Frame, error) {
	if w < 1 || h < 1 {
		return preprocess.Frame{}, fmt.Errorf("frame is %dx%d", w, h)
	}
	for i := range numPlanes(f) {
		rows, rowBytes := planeLayout(f, w, h, i)
		if rows == 0 {
			return preprocess.Frame{}, fmt.Errorf("unsupported format %v", f)
		}
		if p.stride[i] < rowBytes {
			return preprocess.Frame{}, fmt.Errorf("%v plane %d: stride %d is shorter than a row of %d bytes", f, i, p.stride[i], rowBytes)
		}
		if need := planeBytes(f, w, h, i, p.stride[i]); len(p.data[i]) < need {
			return preprocess.Frame{}, fmt.Errorf("%v plane %d: %d bytes, want %d", f, i, len(p.data[i]), need)
		}
	}
	out := make([]byte, 3*w*h)
	switch f {
	case fmtRGB:
		for y := range h {
			copy(out[3*w*y:3*w*(y+1)], p.data[0][y*p.stride[0]:])
		}
	case fmtRGBA, fmtBGRx, fmtBGRA, fmtXRGB:
		ro, gox, bo := 0, 1, 2
		switch f {
		case fmtBGRx, fmtBGRA:
			ro, gox, bo = 2, 1, 0
		case fmtXRGB:
			ro, gox, bo = 1, 2, 3
		}
		for y := range h {
			src := p.data[0][y*p.stride[0]:][:4*w]
			dst := out[3*w*y:][:3*w]
			for x := range w {
				s := src[4*x : 4*x+4]
				dst[3*x], dst[3*x+1], dst[3*x+2] = s[ro], s[gox], s[bo]
			}
		}
	case fmtI420:
		for y := range h {
			m.row(out[3*w*y:][:3*w], p.data[0][y*p.stride[0]:][:w], p.data[1][(y/2)*p.stride[1]:][:(w+1)/2],
				p.data[2][(y/2)*p.stride[2]:][:(w+1)/2], 1)
		}
	case fmtNV12:
		for y := range h {
			uv := p.data[1][(y/2)*p.stride[1]:][:2*((w+1)/2)]
			m.row(out[3*w*y:][:3*w], p.data[0][y*p.stride[0]:][:w], uv, uv[1:], 2)
		}
	default:
		return preprocess.Frame{}, fmt.Errorf("unsupported format %v", f)
	}
	return preprocess.Frame{Pix: out, Width: w, Height: h, Stride: 3 * w}, nil
}
