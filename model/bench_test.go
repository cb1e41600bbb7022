package model

import (
	"path/filepath"
	"testing"

	"github.com/xclipfilter/xclipfilter/internal/golden"
)

// BenchmarkWindow times one 8-frame base-patch32 window as the element runs it: label features cached,
// then vision encoder, MIT, prompt generator and logits (formula weights from the golden folder).
func BenchmarkWindow(b *testing.B) {
	dir := golden.Dir(b, "base-patch32-8f")
	m, err := Load(dir, Options{})
	if err != nil {
		b.Fatal(err)
	}
	man, err := LoadFormulaManifest(filepath.Join(dir, "weights_manifest.json"))
	if err != nil {
		b.Fatal(err)
	}
	vc := m.Config.Vision
	pixels := make([]float32, vc.NumFrames*3*vc.ImageSize*vc.ImageSize)
	FormulaEntry{K: man.PixelValues.K, Offset: man.PixelValues.Offset, Scale: man.PixelValues.Scale}.Fill(pixels)
	ids, mask := make([][]int, 8), make([][]int, 8)
	for i := range ids {
		ids[i] = []int{49406, 400 + 4*i, 401 + 4*i, 402 + 4*i, 403 + 4*i, 49407, 49407, 49407}
		mask[i] = []int{1, 1, 1, 1, 1, 1, 0, 0}
	}
	text, err := m.TextFeatures(ids, mask)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		v, err := m.EncodeVideo(pixels, 1)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := m.Logits(v, text); err != nil {
			b.Fatal(err)
		}
	}
}
