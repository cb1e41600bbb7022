package model

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// TestThreadCountsAgree runs the same two videos on CPU backends of 1, 2 and 3 threads. With more
// than one, the vision encoder's per-frame steps run in parts, one per thread (2 videos × 3 frames:
// 3 parts of 2 frames, which straddle the videos, or 2 of 3), with their own workspaces; the GEMMs
// inside a part then see fewer rows. Every row is computed with the same sums in the same order,
// whatever the split, except that bias and residual may be added in another order at a tile edge:
// the outputs agree to float32 rounding.
func TestThreadCountsAgree(t *testing.T) {
	var ref *Video
	for _, threads := range []int{1, 2, 3} {
		c := loadGoldenCase(t, "xclip-tiny-a", CPUOptions{Threads: threads})
		vc := c.model.Config.Vision
		videos := len(c.pixels) / (vc.NumFrames * vc.NumChannels * vc.ImageSize * vc.ImageSize)
		if videos != 2 {
			t.Fatalf("golden pixel_values hold %d videos, want 2", videos)
		}
		v, err := c.model.EncodeVideo(c.pixels, videos)
		if err != nil {
			t.Fatal(err)
		}
		if ref == nil {
			ref = v
			continue
		}
		if d := maxAbsDiff(v.Features.Data, ref.Features.Data); d > 1e-6 {
			t.Errorf("threads %d: video features differ from 1 thread by %.3g", threads, d)
		}
		if d := maxAbsDiff(v.prompts, ref.prompts); d > 1e-6 {
			t.Errorf("threads %d: prompt tokens differ from 1 thread by %.3g", threads, d)
		}
	}
}

// TestRunPartsPanic: a panic in a part, whichever goroutine runs it, reaches the caller of RunParts
// (where the engine recovers it) after the other parts have run, instead of ending the process from
// a helper goroutine.
func TestRunPartsPanic(t *testing.T) {
	b := NewCPUBackendOptions(CPUOptions{Threads: 2}).(*cpuBackend)
	for bad := range 4 {
		var ran [4]atomic.Bool
		got := func() (r any) {
			defer func() { r = recover() }()
			b.RunParts(4, func(p int) {
				time.Sleep(time.Millisecond)
				ran[p].Store(true)
				if p == bad {
					panic(fmt.Sprintf("part %d failed", p))
				}
			})
			return nil
		}()
		if want := fmt.Sprintf("part %d failed", bad); got != want {
			t.Errorf("RunParts raised %v, want %q", got, want)
		}
		for p := range ran {
			if !ran[p].Load() {
				t.Errorf("part %d did not run when part %d panicked", p, bad)
			}
		}
	}
}
