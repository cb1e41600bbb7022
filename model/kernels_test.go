package model_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/xclipfilter/xclipfilter/cpu"
	"github.com/xclipfilter/xclipfilter/internal/formula"
	"github.com/xclipfilter/xclipfilter/internal/gemm"
	"github.com/xclipfilter/xclipfilter/internal/golden"
	"github.com/xclipfilter/xclipfilter/model"
	"github.com/xclipfilter/xclipfilter/model/safetensors"
)

// allKernels are gemm's kernels, best first; a CPU runs a suffix of them.
var allKernels = []string{"amx", "avx512bf16", "avx512", "avx2", "generic"}

// goldenCase is a golden folder with its model loaded and its inputs.
type goldenCase struct {
	name   string
	model  *model.Model
	g      *safetensors.File
	pixels []float32
}

func loadGoldenCase(t *testing.T, name string, opts cpu.Options) *goldenCase {
	t.Helper()
	dir := golden.Checkpoint(t, name)
	lo, err := formula.WithWeights(dir, model.Options{Backend: cpu.New(opts)})
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.Load(dir, lo)
	if err != nil {
		t.Fatal(err)
	}
	g, err := safetensors.Open(filepath.Join(dir, "golden.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	c := &goldenCase{name: name, model: m, g: g}
	if g.Has("pixel_values") {
		c.pixels, _ = goldenTensor(t, g, "pixel_values")
	} else {
		man, err := formula.LoadManifest(filepath.Join(dir, formula.ManifestName))
		if err != nil {
			t.Fatal(err)
		}
		c.pixels = make([]float32, man.PixelValues.Len())
		man.PixelValues.Fill(c.pixels)
	}
	return c
}

// checkTinyFP32 applies the tiny goldens' fp32 tolerance (1e-4 max abs) to every output.
func (c *goldenCase) checkTinyFP32(t *testing.T) {
	t.Helper()
	got := peerOutputs(t, c.model, c.g, c.pixels)
	worst := 0.0
	for _, key := range tinyGoldenNames {
		want, shape := goldenTensor(t, c.g, key)
		if len(got[key]) != len(want) {
			t.Errorf("%s: %d values, golden has %d %v", key, len(got[key]), len(want), shape)
			continue
		}
		d := maxAbsDiff(got[key], want)
		worst = max(worst, d)
		if d > 1e-4 {
			t.Errorf("%s: max abs diff %.3g > 1e-4", key, d)
		}
	}
	t.Logf("%s: worst max abs diff %.3g over %d outputs", c.name, worst, len(tinyGoldenNames))
}

// TestGoldenEveryKernel forces each of gemm's kernels in turn (AMX, AVX-512 with VDPBF16PS, AVX-512,
// AVX2, portable Go) and checks the tiny goldens and base-patch32-8f at fp32 tolerances with each the CPU
// supports. Kernels this CPU lacks are logged: their assembly is still checked instruction by
// instruction by internal/gemm's TestAsmKernelsEmulated, and their blocking by its stand-in kernels.
// The portable kernel is about 20 times slower; with -short it skips base-patch32.
func TestGoldenEveryKernel(t *testing.T) {
	have := gemm.Kernels()
	for _, k := range allKernels {
		if !slices.Contains(have, k) {
			t.Logf("kernel %s: not supported by this CPU or build (have %v); not run here", k, have)
		}
	}
	tiny := []*goldenCase{
		loadGoldenCase(t, "xclip-tiny-a", cpu.Options{}),
		loadGoldenCase(t, "xclip-tiny-b", cpu.Options{}),
	}
	var base *goldenCase // real size: only with XCLIP_GOLDEN; the tiny checkpoints are in testdata
	if os.Getenv(golden.EnvVar) != "" {
		base = loadGoldenCase(t, "base-patch32-8f", cpu.Options{})
	}
	for _, k := range have {
		t.Run(k, func(t *testing.T) {
			restore, err := gemm.UseKernel(k)
			if err != nil {
				t.Fatal(err)
			}
			defer restore()
			for _, c := range tiny {
				c.checkTinyFP32(t)
			}
			if base == nil {
				t.Logf("%s is not set: base-patch32-8f not checked", golden.EnvVar)
				return
			}
			if k == "generic" && testing.Short() {
				t.Log("-short: base-patch32-8f skipped on the portable kernel")
				return
			}
			got := peerOutputs(t, base.model, base.g, base.pixels)
			checkFormulaGolden(t, base.g, got, 2e-3, 0.99999, 1e-3)
		})
	}
}

// TestGoldenBF16 loads base-patch32-8f with bf16 weights and checks it, on each bf16 path, against
// the golden (the README's reduced-precision tolerances: the same top-1 label for every video, logits
// within 0.05, embeddings cosine >= 0.999) and against the fp32 model (same top-1, cosine >= 0.999).
// The paths: the best kernel here (weights widened to float32, VDPBF16PS on AVX512_BF16, or AMX
// tiles), and the VDPBF16PS and AMX paths emulated in Go (activations rounded to bf16 too, the AMX
// one with its 16×48 blocking, tile-block packing and TDPBF16PS numerics), so that the dot-product
// paths' numerics are checked on any CPU.
func TestGoldenBF16(t *testing.T) {
	t.Run("tiny", func(t *testing.T) {
		for _, name := range []string{"xclip-tiny-a", "xclip-tiny-b"} {
			c := loadGoldenCase(t, name, cpu.Options{BF16: true})
			got := peerOutputs(t, c.model, c.g, c.pixels)
			checkReducedPrecision(t, c.g, got, nil)
		}
	})
	if os.Getenv(golden.EnvVar) == "" {
		t.Logf("%s is not set: base-patch32-8f not checked (the tiny checkpoints were)", golden.EnvVar)
		return
	}
	fp32 := loadGoldenCase(t, "base-patch32-8f", cpu.Options{})
	ref := peerOutputs(t, fp32.model, fp32.g, fp32.pixels)
	bf := loadGoldenCase(t, "base-patch32-8f", cpu.Options{BF16: true})
	kernels := []string{gemm.Kernels()[0], "emulated-avx512bf16", "emulated-amx"}
	if testing.Short() {
		kernels = kernels[:1]
	}
	for _, k := range kernels {
		t.Run(k, func(t *testing.T) {
			restore, err := gemm.UseKernel(k)
			if err != nil {
				t.Fatal(err)
			}
			defer restore()
			got := peerOutputs(t, bf.model, bf.g, bf.pixels)
			checkReducedPrecision(t, bf.g, got, ref)
		})
	}
}

// checkReducedPrecision applies the golden README's tolerances for reduced precision, and compares with
// the fp32 outputs ref when given.
func checkReducedPrecision(t *testing.T, g *safetensors.File, got, ref map[string][]float32) {
	t.Helper()
	want, shape := goldenTensor(t, g, "logits_per_video")
	videos, labels := shape[0], shape[1]
	argmax := func(x []float32) int {
		best := 0
		for i, v := range x {
			if v > x[best] {
				best = i
			}
		}
		return best
	}
	for v := range videos {
		row := got["logits_per_video"][v*labels : (v+1)*labels]
		if a, b := argmax(row), argmax(want[v*labels:(v+1)*labels]); a != b {
			t.Errorf("video %d: top-1 label %d, golden %d", v, a, b)
		}
		if ref != nil {
			if a, b := argmax(row), argmax(ref["logits_per_video"][v*labels:(v+1)*labels]); a != b {
				t.Errorf("video %d: top-1 label %d, fp32 %d", v, a, b)
			}
		}
	}
	if d := maxAbsDiff(got["logits_per_video"], want); d > 0.05 {
		t.Errorf("logits_per_video: max abs diff %.3g > 0.05", d)
	} else {
		t.Logf("logits_per_video: max abs diff %.3g", d)
	}
	for _, key := range []string{"text_embeds", "video_embeds", "text_features", "video_features"} {
		gold, shape := goldenTensor(t, g, key)
		rows := shape[0]
		if len(shape) == 3 {
			rows *= shape[1]
		}
		cols := len(gold) / rows
		worst, worstRef := 1.0, 1.0
		for r := range rows {
			worst = math.Min(worst, cosine(got[key][r*cols:(r+1)*cols], gold[r*cols:(r+1)*cols]))
			if ref != nil {
				worstRef = math.Min(worstRef, cosine(got[key][r*cols:(r+1)*cols], ref[key][r*cols:(r+1)*cols]))
			}
		}
		vsRef := ""
		if ref != nil {
			vsRef = fmt.Sprintf(", %.6f vs fp32", worstRef)
		}
		if worst < 0.999 || worstRef < 0.999 {
			t.Errorf("%s: worst row cosine %.6f vs golden%s (want >= 0.999)", key, worst, vsRef)
		} else {
			t.Logf("%s: worst row cosine %.6f vs golden%s", key, worst, vsRef)
		}
	}
}
