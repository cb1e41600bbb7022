package xclipoverlay

import (
	"image"
	"image/color"
	"image/draw"
	"strings"
	"unicode"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// line is one line of the overlay: a label with its score (and a bar of that length), or an open
// label event (with a marker).
type line struct {
	text   string
	bar    float64 // the score, drawn as a bar before the text; < 0: no bar
	marker bool    // an open event: a disc before the text
}

// style is how the lines are drawn.
type style struct {
	text, box color.NRGBA
	scale     int // integer magnification of the 7×13 font (nearest neighbour: crisp at any size)
}

// Layout of the overlay at scale 1, in pixels. The font is X11's misc-fixed 7×13 (basicfont.Face7x13):
// Latin-1, 7 pixels a character; a rune outside it is drawn as the replacement glyph.
const (
	pad        = 3  // around the lines
	lineGap    = 2  // between lines
	lineHeight = 13 // basicfont.Face7x13.Height
	ascent     = 11 // basicfont.Face7x13.Ascent
	barWidth   = 32 // a score of 1
	barTop     = 3  // the bar's rows inside a line
	barBottom  = 10
	colGap     = 4  // between the bar (or marker) and the text
	maxRunes   = 48 // longer texts end in "..."
)

// markerColor is the disc before an open event's line.
var markerColor = color.NRGBA{0xE8, 0x30, 0x30, 0xFF}

// clean makes s one line of at most maxRunes characters: control characters become spaces.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	if r := []rune(s); len(r) > maxRunes {
		s = string(r[:maxRunes-3]) + "..."
	}
	return s
}

// render draws lines into a box (nil when there are none): a rectangle of st.box, each line's bar or
// marker, then its text in st.text, magnified st.scale times.
func render(lines []line, st style) *image.NRGBA {
	if len(lines) == 0 {
		return nil
	}
	face := basicfont.Face7x13
	texts := make([]string, len(lines))
	maxText := 0
	for i, l := range lines {
		texts[i] = clean(l.text)
		maxText = max(maxText, font.MeasureString(face, texts[i]).Ceil())
	}
	textX := pad + barWidth + colGap
	w := textX + maxText + pad
	h := 2*pad + len(lines)*lineHeight + (len(lines)-1)*lineGap
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.NewUniform(st.box), image.Point{}, draw.Src)
	track := st.text
	track.A /= 4
	for i, l := range lines {
		top := pad + i*(lineHeight+lineGap)
		switch {
		case l.marker:
			disc(img, pad+barWidth-(barBottom-barTop)-1, top+barTop, barBottom-barTop, markerColor)
		case l.bar >= 0:
			fill := int(min(l.bar, 1)*barWidth + 0.5)
			draw.Draw(img, image.Rect(pad+fill, top+barTop, pad+barWidth, top+barBottom), image.NewUniform(track), image.Point{}, draw.Over)
			draw.Draw(img, image.Rect(pad, top+barTop, pad+fill, top+barBottom), image.NewUniform(st.text), image.Point{}, draw.Over)
		}
		d := font.Drawer{Dst: img, Src: image.NewUniform(st.text), Face: face, Dot: fixed.P(textX, top+ascent)}
		d.DrawString(texts[i])
	}
	return magnify(img, st.scale)
}

// disc draws a filled circle of diameter d with its bounding square's corner at (x, y).
func disc(img *image.NRGBA, x, y, d int, c color.NRGBA) {
	u := image.NewUniform(c)
	r2 := d * d // (2r)², compared with (2·distance)² from the centre of each pixel
	for py := range d {
		for px := range d {
			dx, dy := 2*px+1-d, 2*py+1-d
			if dx*dx+dy*dy <= r2 {
				draw.Draw(img, image.Rect(x+px, y+py, x+px+1, y+py+1), u, image.Point{}, draw.Over)
			}
		}
	}
}

// magnify repeats every pixel of img k×k times.
func magnify(img *image.NRGBA, k int) *image.NRGBA {
	if k <= 1 {
		return img
	}
	b := img.Bounds()
	out := image.NewNRGBA(image.Rect(0, 0, b.Dx()*k, b.Dy()*k))
	for y := range out.Rect.Dy() {
		src := img.Pix[(y/k)*img.Stride:]
		dst := out.Pix[y*out.Stride:]
		for x := range out.Rect.Dx() {
			copy(dst[4*x:4*x+4], src[4*(x/k):4*(x/k)+4])
		}
	}
	return out
}

// autoScale is the font magnification of font-scale=0: 1 below 600 lines, 2 for 720p, 3 for 1080p, 5
// for 2160p, so that a line stays about 1/28 of the frame's height.
func autoScale(height int) int { return max(1, (height+200)/400) }
