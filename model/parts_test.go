package model_test

import (
	"testing"

	"github.com/xclipfilter/xclipfilter/cpu"
	"github.com/xclipfilter/xclipfilter/model"
)

// TestThreadCountsAgree runs the same two videos on CPU backends of 1, 2 and 3 threads. With more
// than one, the vision encoder's per-frame steps run in parts, one per thread (2 videos × 3 frames:
// 3 parts of 2 frames, which straddle the videos, or 2 of 3), with their own workspaces; the GEMMs
// inside a part then see fewer rows. Every row is computed with the same sums in the same order,
// whatever the split, except that bias and residual may be added in another order at a tile edge:
// the outputs agree to float32 rounding.
func TestThreadCountsAgree(t *testing.T) {
	var ref map[string][]float32
	for _, threads := range []int{1, 2, 3} {
		c := loadGoldenCase(t, "xclip-tiny-a", cpu.Options{Threads: threads})
		vc := c.model.Config.Vision
		videos := len(c.pixels) / (vc.NumFrames * vc.NumChannels * vc.ImageSize * vc.ImageSize)
		if videos != 2 {
			t.Fatalf("golden pixel_values hold %d videos, want 2", videos)
		}
		got := map[string][]float32{}
		model.Observe(c.model, func(name string, x model.Mat) {
			got[name] = make([]float32, x.Rows*x.Cols)
			c.model.Backend().Download(got[name], x)
		})
		labels := &model.Tensor{Shape: []int{1, c.model.Config.ProjectionDim}, Data: make([]float32, c.model.Config.ProjectionDim)}
		labels.Data[0] = 1
		if _, err := c.model.ClassifyBatch(c.pixels, []*model.Tensor{labels, labels}); err != nil {
			t.Fatal(err)
		}
		if ref == nil {
			ref = got
			continue
		}
		for _, key := range []string{"video_features", "prompt_tokens"} {
			if len(got[key]) == 0 || len(got[key]) != len(ref[key]) {
				t.Fatalf("threads %d: %s has %d values, %d with 1 thread", threads, key, len(got[key]), len(ref[key]))
			}
			if d := maxAbsDiff(got[key], ref[key]); d > 1e-6 {
				t.Errorf("threads %d: %s differ from 1 thread by %.3g", threads, key, d)
			}
		}
	}
}
