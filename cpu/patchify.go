package cpu

import (
	"fmt"

	"github.com/xclipfilter/xclipfilter/model"
)

// Patchify lays the frames out as the patch-embedding GEMM's rows (model.Backend.Patchify).
func (c *Backend) Patchify(cols, pixels model.Mat, frames, channels, size, patch int) {
	g := size / patch
	n := frames * channels * size * size
	if cols.Ld != cols.Cols || cols.Rows != frames*(g*g+2) || cols.Cols != channels*patch*patch ||
		len(pixels.Host) < n || (pixels.Ld != pixels.Cols && pixels.Rows > 1) {
		panic(fmt.Sprintf("cpu: Patchify: cols %dx%d (ld %d), %d pixels for %d frames of %d×%d×%d, patch %d",
			cols.Rows, cols.Cols, cols.Ld, len(pixels.Host), frames, channels, size, size, patch))
	}
	clear(cols.Host[:cols.Rows*cols.Cols])
	patchify(cols.Host, pixels.Host[:n], frames, channels, size, patch)
}

// patchify lays out the pixels [B·T, C, S, S] as GEMM rows [B·T·(L+1), C·P·P] in the conv weight's
// (c, ky, kx) order into cols (zeroed): per frame a zero row (CLS), one row per patch, and a zero row
// (message slot).
func patchify(cols, pixels []float32, bt, ch, s, p int) {
	g := s / p
	np := g * g
	ls := np + 2
	kk := ch * p * p
	for f := range bt {
		for pi := range np {
			py, px := pi/g, pi%g
			dst := cols[(f*ls+1+pi)*kk:]
			for cc := range ch {
				plane := pixels[(f*ch+cc)*s*s:]
				for ky := range p {
					copy(dst[(cc*p+ky)*p:(cc*p+ky+1)*p], plane[(py*p+ky)*s+px*p:])
				}
			}
		}
	}
}
