package model

import "fmt"

func (c *cpuBackend) Patchify(cols, pixels Mat, frames, channels, size, patch int) {
	g := size / patch
	n := frames * channels * size * size
	if cols.Ld != cols.Cols || cols.Rows != frames*(g*g+2) || cols.Cols != channels*patch*patch ||
		len(pixels.Host) < n || (pixels.Ld != pixels.Cols && pixels.Rows > 1) {
		panic(fmt.Sprintf("model: Patchify: cols %dx%d (ld %d), %d pixels for %d frames of %d×%d×%d, patch %d",
			cols.Rows, cols.Cols, cols.Ld, len(pixels.Host), frames, channels, size, size, patch))
	}
	clear(cols.Host[:cols.Rows*cols.Cols])
	patchify(cols.Host, pixels.Host[:n], frames, channels, size, patch)
}
