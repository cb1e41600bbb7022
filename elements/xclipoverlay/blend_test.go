package xclipoverlay

import (
	"image"
	"image/color"
	"testing"
)

// bt601 is the colour model of SD YUV caps: BT.601 matrix, limited range (gst_video_color_range_offsets:
// Y offset 16 scale 219, chroma offset 128 scale 224).
var bt601 = colorModel{yuv: true, kr: 0.299, kb: 0.114, offset: [3]int{16, 128, 128}, scale: [3]int{219, 224, 224}}

// gray8 is GRAY8's default colorimetry: BT.601, full range.
var gray8 = colorModel{yuv: true, kr: 0.299, kb: 0.114, offset: [3]int{0, 128, 128}, scale: [3]int{255, 255, 255}}

// TestToComponents: the textbook BT.601 values of white, black, red and blue.
func TestToComponents(t *testing.T) {
	for _, c := range []struct {
		m       colorModel
		r, g, b uint8
		want    [3]uint8
	}{
		{bt601, 255, 255, 255, [3]uint8{235, 128, 128}},
		{bt601, 0, 0, 0, [3]uint8{16, 128, 128}},
		{bt601, 255, 0, 0, [3]uint8{81, 90, 240}},
		{bt601, 0, 0, 255, [3]uint8{41, 240, 110}},
		{gray8, 255, 0, 0, [3]uint8{76, 85, 255}},
		{rgb, 1, 2, 3, [3]uint8{1, 2, 3}},
	} {
		if got := c.m.toComponents(c.r, c.g, c.b); got != c.want {
			t.Errorf("%+v (%d,%d,%d) = %v, want %v", c.m, c.r, c.g, c.b, got, c.want)
		}
	}
}

// testSprite is 2×2: opaque white, half-opaque black, transparent red, quarter-opaque blue.
func testSprite(m colorModel) *sprite {
	img := image.NewNRGBA(image.Rect(0, 0, 2, 2))
	img.SetNRGBA(0, 0, color.NRGBA{255, 255, 255, 255})
	img.SetNRGBA(1, 0, color.NRGBA{0, 0, 0, 128})
	img.SetNRGBA(0, 1, color.NRGBA{255, 0, 0, 0})
	img.SetNRGBA(1, 1, color.NRGBA{0, 0, 255, 64})
	return newSprite(img, m)
}

// layout builds a 4×4 frame's bytes (every byte 100, padding included) and its canvas.
type layout struct {
	name  string
	model colorModel
	size  int
	comps []component // data is set from offset
	offs  []int       // each component's first byte
	x, y  int         // where the sprite goes
	want  map[int]byte
}

func (l *layout) canvas(buf []byte) *canvas {
	cv := &canvas{width: 4, height: 4}
	for i, c := range l.comps {
		c.data = buf[l.offs[i]:]
		cv.comps = append(cv.comps, c)
	}
	return cv
}

// TestBlend: each layout gets exactly the values of out = (src·(255n − Σa) + Σav + 255n/2) / 255n,
// computed by hand from the sprite (see the comments), and no other byte changes: not the padding, not
// the x byte of BGRx, not a pixel outside the sprite.
func TestBlend(t *testing.T) {
	packed := func(ps int, offs ...int) ([]component, []int) {
		var cs []component
		for range offs {
			cs = append(cs, component{stride: 4*ps + 4, pstride: ps, width: 4, height: 4})
		}
		return cs, offs
	}
	rgbComps, rgbOffs := packed(3, 0, 1, 2)
	bgrxComps, bgrxOffs := packed(4, 2, 1, 0)
	layouts := []layout{
		{
			// RGB, stride 16: white→255; black at 128→(100·127+127)/255=50; red at 0→100;
			// blue at 64→R,G (100·191+127)/255=75, B (100·191+255·64+127)/255=139.
			name: "RGB", model: rgb, size: 64, comps: rgbComps, offs: rgbOffs,
			want: map[int]byte{0: 255, 1: 255, 2: 255, 3: 50, 4: 50, 5: 50, 16 + 3: 75, 16 + 4: 75, 16 + 5: 139},
		},
		{
			name: "BGRx", model: rgb, size: 80, comps: bgrxComps, offs: bgrxOffs,
			want: map[int]byte{0: 255, 1: 255, 2: 255, 4: 50, 5: 50, 6: 50, 20 + 4: 139, 20 + 5: 75, 20 + 6: 75},
		},
		{
			// I420, Y stride 8, U and V 2×2 with stride 4 at 32 and 40. Y: 235, (100·127+16·128+127)/255=58,
			// 100, (100·191+41·64+127)/255=85. The one chroma sample covers all four pixels (n=4, Σa=447):
			// U (100·573+128·255+128·128+240·64+510)/1020=119, V (…+110·64…)/1020=111.
			name: "I420", model: bt601, size: 48,
			comps: []component{{stride: 8, pstride: 1, width: 4, height: 4}, {stride: 4, pstride: 1, width: 2, height: 2, wsub: 1, hsub: 1},
				{stride: 4, pstride: 1, width: 2, height: 2, wsub: 1, hsub: 1}},
			offs: []int{0, 32, 40},
			want: map[int]byte{0: 235, 1: 58, 8 + 1: 85, 32: 119, 40: 111},
		},
		{
			// The same at (1, 1): each sprite pixel falls in its own chroma sample, one pixel of four:
			// U (100·(1020−a)+a·u+510)/1020 = 107, 104, 100 (transparent), 109; V 107, 104, 100, 101.
			name: "I420 at (1,1)", model: bt601, size: 48, x: 1, y: 1,
			comps: []component{{stride: 8, pstride: 1, width: 4, height: 4}, {stride: 4, pstride: 1, width: 2, height: 2, wsub: 1, hsub: 1},
				{stride: 4, pstride: 1, width: 2, height: 2, wsub: 1, hsub: 1}},
			offs: []int{0, 32, 40},
			want: map[int]byte{8 + 1: 235, 8 + 2: 58, 16 + 2: 85, 32: 107, 33: 104, 32 + 4 + 1: 109, 40: 107, 41: 104, 40 + 4 + 1: 101},
		},
		{
			// NV12: U and V interleaved in the second plane (pixel stride 2).
			name: "NV12", model: bt601, size: 24,
			comps: []component{{stride: 4, pstride: 1, width: 4, height: 4}, {stride: 4, pstride: 2, width: 2, height: 2, wsub: 1, hsub: 1},
				{stride: 4, pstride: 2, width: 2, height: 2, wsub: 1, hsub: 1}},
			offs: []int{0, 16, 17},
			want: map[int]byte{0: 235, 1: 58, 4 + 1: 85, 16: 119, 17: 111},
		},
		{
			// GRAY8, full range: white 255, black at 128 → 50, blue (Y 29) at 64 → (100·191+29·64+127)/255 = 82.
			name: "GRAY8", model: gray8, size: 16,
			comps: []component{{stride: 4, pstride: 1, width: 4, height: 4}}, offs: []int{0},
			want: map[int]byte{0: 255, 1: 50, 4 + 1: 82},
		},
	}
	for _, l := range layouts {
		t.Run(l.name, func(t *testing.T) {
			buf := make([]byte, l.size)
			for i := range buf {
				buf[i] = 100
			}
			blend(l.canvas(buf), testSprite(l.model), l.x, l.y)
			for i, b := range buf {
				want, ok := l.want[i]
				if !ok {
					want = 100
				}
				if b != want {
					t.Errorf("byte %d = %d, want %d", i, b, want)
				}
			}
		})
	}
}

// TestBlendClipped: a sprite larger than the frame, or partly outside it, writes only inside it.
func TestBlendClipped(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 6, 6))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = 255, 255, 255, 255
	}
	sp := newSprite(img, rgb)
	for _, at := range [][2]int{{0, 0}, {2, 3}, {-3, -1}, {4, 4}} {
		// A 4×4 gray frame, stride 8, inside a buffer with a sentinel row after it.
		buf := make([]byte, 8*5)
		cv := &canvas{width: 4, height: 4, comps: []component{{data: buf, stride: 8, pstride: 1, width: 4, height: 4}}}
		blend(cv, sp, at[0], at[1])
		for y := range 5 {
			for x := range 8 {
				inside := x < 4 && y < 4 && x >= at[0] && y >= at[1] && x < at[0]+6 && y < at[1]+6
				if got := buf[y*8+x]; (got == 255) != inside || (got != 255 && got != 0) {
					t.Errorf("sprite at %v: byte (%d,%d) = %d, inside %v", at, x, y, got, inside)
				}
			}
		}
	}
}
