package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xclipfilter/xclipfilter/cpu"
	"github.com/xclipfilter/xclipfilter/internal/golden"
	"github.com/xclipfilter/xclipfilter/model"
	"github.com/xclipfilter/xclipfilter/model/safetensors"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

// writePNG writes an RGB frame (HWC bytes) as a PNG file.
func writePNG(t *testing.T, path string, pix []byte, h, w int) {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			p := pix[(y*w+x)*3:]
			img.SetNRGBA(x, y, color.NRGBA{p[0], p[1], p[2], 255})
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// tinyModelDir is a golden tiny checkpoint, as a user downloads it.
func tinyModelDir(t *testing.T) string { return golden.Fixture(t, "xclip-tiny-a") }

// TestClassifyUserPath runs the whole user path — PNG files of different sizes, decode, preprocess,
// model — and checks that the pixels fed to the model are the processor golden's and that the logits are
// what the model gives on those golden pixels.
func TestClassifyUserPath(t *testing.T) {
	procPath := golden.Dir(t, "processor-golden.safetensors")
	base := golden.Dir(t, "base-patch32-8f")
	tiny := tinyModelDir(t)

	// A checkpoint folder: the formula-weight base-patch32 model, with a tokenizer; no
	// preprocessor_config.json, so X-CLIP's published defaults apply (as the golden's config).
	dir := t.TempDir()
	for _, f := range []struct{ from, name string }{
		{base, "config.json"}, {base, "weights_manifest.json"}, {tiny, "vocab.json"}, {tiny, "merges.txt"},
	} {
		if err := os.Symlink(filepath.Join(f.from, f.name), filepath.Join(dir, f.name)); err != nil {
			t.Fatal(err)
		}
	}

	proc, err := safetensors.Open(procPath)
	if err != nil {
		t.Fatal(err)
	}
	defer proc.Close()
	var files []string
	var want [][]float32 // golden pixel values per file, [3·224·224]
	frameDir := t.TempDir()
	for _, c := range []string{"landscape_240x320", "portrait_480x270", "small_100x150", "hd_720x1280", "odd_223x401", "exact_224x224"} {
		pix, shape, err := proc.Bytes(c + ".frames")
		if err != nil {
			t.Fatal(err)
		}
		pv, _, err := proc.Float32(c + ".pixel_values")
		if err != nil {
			t.Fatal(err)
		}
		n, h, w := shape[0], shape[1], shape[2]
		for i := range n {
			p := filepath.Join(frameDir, fmt.Sprintf("%s_%d.png", c, i))
			writePNG(t, p, pix[i*h*w*3:(i+1)*h*w*3], h, w)
			files = append(files, p)
			want = append(want, pv[i*3*224*224:(i+1)*3*224*224])
		}
	}

	saved := filepath.Join(t.TempDir(), "pixels.safetensors")
	labels := "playing sports;eating spaghetti;a person falls down"
	args := append([]string{"classify", "--model", dir, "--labels", labels, "--json", "--save-pixels", saved}, files...)
	code, out, errOut := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res classifyResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("bad JSON %q: %v", out, err)
	}

	// The window: 8 of the 13 files, sampled uniformly, each resized on its own.
	idx := model.SampleUniform(len(files), 8)
	sf, err := safetensors.Open(saved)
	if err != nil {
		t.Fatal(err)
	}
	defer sf.Close()
	pixels, shape, err := sf.Float32("pixel_values")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(shape) != "[8 3 224 224]" {
		t.Fatalf("saved pixels have shape %v", shape)
	}
	per := 3 * 224 * 224
	goldenWindow := make([]float32, 0, 8*per)
	for i, j := range idx {
		if res.Frames[i] != files[j] {
			t.Errorf("window frame %d is %s, want %s", i, res.Frames[i], files[j])
		}
		got := pixels[i*per : (i+1)*per]
		var maxd, sum float64
		for k := range got {
			d := math.Abs(float64(got[k] - want[j][k]))
			maxd = math.Max(maxd, d)
			sum += d
		}
		if maxd > 0.0176 || sum/float64(per) > 2e-4 {
			t.Errorf("frame %s: pixels differ from the processor golden: max %.3g, mean %.3g", files[j], maxd, sum/float64(per))
		}
		goldenWindow = append(goldenWindow, want[j]...)
	}

	// The same model on the golden pixels gives the same logits.
	opts, err := modelOptions(dir, cpu.New(cpu.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	c, err := model.NewClassifier(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	text, err := c.EncodeLabels(strings.Split(labels, ";"))
	if err != nil {
		t.Fatal(err)
	}
	logits, err := c.Classify(goldenWindow, text)
	if err != nil {
		t.Fatal(err)
	}
	for i := range logits {
		if d := math.Abs(float64(logits[i] - res.Logits[i])); d > 1e-4 {
			t.Errorf("logit %d (%s): CLI %g, model on golden pixels %g", i, res.Labels[i], res.Logits[i], logits[i])
		}
	}
	var psum float64
	for _, p := range res.Probs {
		psum += float64(p)
	}
	if math.Abs(psum-1) > 1e-5 || len(res.Probs) != 3 || res.TopLabel == "" {
		t.Errorf("probs %v (sum %g), top %q", res.Probs, psum, res.TopLabel)
	}
}

func TestInfo(t *testing.T) {
	dir := tinyModelDir(t)
	code, out, errOut := runCLI(t, "info", "--model", dir, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r infoResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	// The parameter count is every tensor of the file.
	f, err := safetensors.Open(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var n int64
	for _, name := range f.Names() {
		s, _ := f.Shape(name)
		k := int64(1)
		for _, d := range s {
			k *= int64(d)
		}
		n += k
	}
	if r.Parameters != n || r.NumFrames != 3 || r.ImageSize != 64 || r.DTypes["F32"] == 0 {
		t.Errorf("info = %+v, want %d parameters, 3 frames, 64px, F32", r, n)
	}
	code, out, _ = runCLI(t, "info", "--model", dir)
	if code != 0 || !strings.Contains(out, "3 frames of 64x64") {
		t.Errorf("text info (exit %d):\n%s", code, out)
	}
}

// tinyPNG writes a w×h PNG of one colour.
func tinyPNG(t *testing.T, dir, name string, w, h int) string {
	p := filepath.Join(dir, name)
	pix := bytes.Repeat([]byte{200, 30, 90}, w*h)
	writePNG(t, p, pix, h, w)
	return p
}

func TestClassifyInputs(t *testing.T) {
	dir := tinyModelDir(t)
	tmp := t.TempDir()
	one := tinyPNG(t, tmp, "one.png", 1, 1)
	big := tinyPNG(t, tmp, "big.png", 90, 40)
	corrupt := filepath.Join(tmp, "corrupt.png")
	if err := os.WriteFile(corrupt, []byte("\x89PNG\r\n\x1a\nthis is not a png"), 0o644); err != nil {
		t.Fatal(err)
	}

	t.Run("1x1 frame and frames of different sizes", func(t *testing.T) {
		code, out, errOut := runCLI(t, "classify", "--model", dir, "--labels", "red;blue", "--json", one, big)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var r classifyResult
		if err := json.Unmarshal([]byte(out), &r); err != nil || len(r.Logits) != 2 || len(r.Frames) != 3 {
			t.Fatalf("result %s (%v)", out, err)
		}
	})
	t.Run("200-word label is truncated with a warning", func(t *testing.T) {
		long := strings.TrimSpace(strings.Repeat("word ", 200))
		code, out, errOut := runCLI(t, "classify", "--model", dir, "--labels", long+";short", "--json", big)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if !strings.Contains(errOut, "truncated") {
			t.Errorf("no truncation warning on stderr: %q", errOut)
		}
		var r classifyResult
		if err := json.Unmarshal([]byte(out), &r); err != nil || len(r.Logits) != 2 {
			t.Fatalf("result %s (%v)", out, err)
		}
	})
	t.Run("bf16 weights stay close to fp32", func(t *testing.T) {
		logits := func(dtype string) []float32 {
			code, out, errOut := runCLI(t, "classify", "--model", dir, "--labels", "red;blue;a dog", "--dtype", dtype, "--json", big, one)
			if code != 0 {
				t.Fatalf("--dtype %s: exit %d: %s", dtype, code, errOut)
			}
			var r classifyResult
			if err := json.Unmarshal([]byte(out), &r); err != nil {
				t.Fatal(err)
			}
			return r.Logits
		}
		f32, b16 := logits("fp32"), logits("bf16")
		var diff float64
		for i := range f32 {
			diff = math.Max(diff, math.Abs(float64(f32[i]-b16[i])))
		}
		if diff == 0 || diff > 0.05 {
			t.Errorf("bf16 logits %v vs fp32 %v: max diff %g, want close but not identical", b16, f32, diff)
		}
	})
	for _, tc := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"unknown dtype", []string{"--model", dir, "--labels", "a", "--dtype", "int4", big}, 1, "int4"},
		{"corrupt PNG", []string{"--model", dir, "--labels", "a", corrupt}, 1, "corrupt.png: cannot decode"},
		{"missing frame file", []string{"--model", dir, "--labels", "a", filepath.Join(tmp, "nope.png")}, 1, "nope.png"},
		{"zero frames", []string{"--model", dir, "--labels", "a"}, 2, "no frames"},
		{"empty label list", []string{"--model", dir, "--labels", " ; ;", big}, 2, "--labels is empty"},
		{"no model", []string{"--labels", "a", big}, 2, "--model is required"},
		{"missing model folder", []string{"--model", filepath.Join(tmp, "none"), "--labels", "a", big}, 1, "model folder"},
		{"template without {}", []string{"--model", dir, "--labels", "a", "--template", "a video", big}, 2, "no {}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, append([]string{"classify"}, tc.args...)...)
			if code != tc.code || !strings.Contains(errOut, tc.msg) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", code, errOut, tc.code, tc.msg)
			}
		})
	}
}
