package model_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/xclipfilter/xclipfilter/cpu"
	"github.com/xclipfilter/xclipfilter/internal/formula"
	"github.com/xclipfilter/xclipfilter/internal/golden"
	"github.com/xclipfilter/xclipfilter/model"
)

// BenchmarkWindow times 8-frame base-patch32 windows as the element runs them: label features cached,
// then vision encoder, MIT, prompt generator and logits (formula weights from the golden folder), for
// fp32 and bf16 weights, 1 and 2 threads, and batches of 1 and 4 windows per call (reported per window;
// GFLOP/s is model.WindowFLOPs over the time). `xclip bench` (make bench) measures the same with the
// GEMM roofline and the PyTorch reference side by side.
func BenchmarkWindow(b *testing.B) {
	dir := golden.Dir(b, "base-patch32-8f")
	man, err := formula.LoadManifest(filepath.Join(dir, formula.ManifestName))
	if err != nil {
		b.Fatal(err)
	}
	for _, dtype := range []string{"fp32", "bf16"} {
		for _, threads := range []int{1, 2} {
			opts, err := formula.WithWeights(dir, model.Options{Backend: cpu.New(cpu.Options{Threads: threads, BF16: dtype == "bf16"})})
			if err != nil {
				b.Fatal(err)
			}
			m, err := model.Load(dir, opts)
			if err != nil {
				b.Fatal(err)
			}
			ids, mask := make([][]int, 8), make([][]int, 8)
			for i := range ids {
				ids[i] = []int{49406, 400 + 4*i, 401 + 4*i, 402 + 4*i, 403 + 4*i, 49407, 49407, 49407}
				mask[i] = []int{1, 1, 1, 1, 1, 1, 1, 1}
			}
			text, err := m.TextFeatures(ids, mask)
			if err != nil {
				b.Fatal(err)
			}
			vc := m.Config.Vision
			for _, batch := range []int{1, 4} {
				b.Run(fmt.Sprintf("dtype=%s/threads=%d/batch=%d", dtype, threads, batch), func(b *testing.B) {
					pixels := make([]float32, batch*vc.NumFrames*3*vc.ImageSize*vc.ImageSize)
					formula.Entry{K: man.PixelValues.K, Offset: man.PixelValues.Offset, Scale: man.PixelValues.Scale}.Fill(pixels)
					sets := make([]*model.Tensor, batch)
					for i := range sets {
						sets[i] = text
					}
					for b.Loop() {
						if _, err := m.ClassifyBatch(pixels, sets); err != nil {
							b.Fatal(err)
						}
					}
					perWindow := b.Elapsed().Seconds() / float64(b.N*batch)
					b.ReportMetric(perWindow, "s/window")
					b.ReportMetric(model.WindowFLOPs(m.Config, 8)/perWindow/1e9, "GFLOP/s")
				})
			}
		}
	}
}
