package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // decoders for image.Decode
	_ "image/png"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/xclipfilter/xclipfilter/model"
	"github.com/xclipfilter/xclipfilter/model/preprocess"
	"github.com/xclipfilter/xclipfilter/model/safetensors"
)

// classifyResult is what --json prints.
type classifyResult struct {
	Model       string    `json:"model"`
	Frames      []string  `json:"frames"` // the files of the window, after sampling
	Labels      []string  `json:"labels"`
	Logits      []float32 `json:"logits"` // the window's logits_per_video row
	Probs       []float32 `json:"probs"`  // softmax of logits
	TopLabel    string    `json:"top_label"`
	TopProb     float32   `json:"top_prob"`
	InferenceMS float64   `json:"inference_ms"`
}

func runClassify(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("classify", stderr)
	dir := fs.String("model", "", "checkpoint folder (config.json, model.safetensors, tokenizer files)")
	labels := fs.String("labels", "", `labels separated by ";", e.g. "a fall;a fight;nobody"`)
	template := fs.String("template", "{}", `prompt template; "{}" stands for the label, e.g. "a video of {}"`)
	asJSON := fs.Bool("json", false, "print one JSON object (labels, logits, probs, ...)")
	threads := fs.Int("threads", 0, "CPU threads (0: all cores)")
	device := fs.String("device", "auto", "where inference runs: cpu, cuda (CUDA builds: make xclip-cuda) or auto")
	dtype := fs.String("dtype", "", "weights: auto, fp32 or bf16 (CPU default auto: bf16 with AMX, else fp32; CUDA default bf16, also fp16)")
	savePixels := fs.String("save-pixels", "", "also write the preprocessed window to this safetensors file (key pixel_values)")
	video := addVideoFlags(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, "usage: xclip classify --model DIR --labels \"a;b;c\" [flags] FRAME... | VIDEO_FILE\n\n")
		fs.PrintDefaults()
	}
	files, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *dir == "" {
		return usageError{errors.New("--model is required")}
	}
	names := splitLabels(*labels)
	if len(names) == 0 {
		return usageError{errors.New(`--labels is empty: give at least one label, e.g. --labels "a fall;nobody"`)}
	}
	if len(files) == 0 {
		return usageError{errors.New("no frames: give image files (PNG or JPEG) forming one window")}
	}
	if !strings.Contains(*template, "{}") {
		return usageError{fmt.Errorf("--template %q has no {} for the label", *template)}
	}

	b, err := newBackend(*device, *threads, *dtype)
	if err != nil {
		return err
	}
	c, err := model.NewClassifier(*dir, model.Options{Backend: b})
	if err != nil {
		return err
	}
	c.Warn = func(msg string) { fmt.Fprintf(stderr, "xclip classify: warning: %s\n", msg) }
	if isVideo(files) {
		return classifyVideo(c, names, *template, files[0], video, stdout, stderr)
	}

	idx := model.SampleUniform(len(files), c.NumFrames())
	window := make([]string, len(idx))
	frames := make([]preprocess.Frame, len(idx))
	decoded := map[int]preprocess.Frame{}
	for i, j := range idx {
		f, ok := decoded[j]
		if !ok {
			if f, err = readFrame(files[j]); err != nil {
				return err
			}
			decoded[j] = f
		}
		frames[i], window[i] = f, files[j]
	}

	prompts := make([]string, len(names))
	for i, n := range names {
		prompts[i] = strings.ReplaceAll(*template, "{}", n)
	}
	text, err := c.EncodeLabels(prompts)
	if err != nil {
		return err
	}
	start := time.Now()
	pixels, err := c.Pixels(frames)
	if err != nil {
		return err
	}
	if *savePixels != "" {
		s := c.Model.Config.Vision.ImageSize
		buf, err := safetensors.Encode(map[string]safetensors.Tensor{
			"pixel_values": {Shape: []int{len(frames), 3, s, s}, Data: pixels},
		}, nil)
		if err != nil {
			return err
		}
		if err := os.WriteFile(*savePixels, buf, 0o644); err != nil {
			return err
		}
	}
	logits, err := c.Classify(pixels, text)
	if err != nil {
		return err
	}
	res := classifyResult{
		Model: *dir, Frames: window, Labels: names, Logits: logits, Probs: model.Softmax(logits),
		InferenceMS: float64(time.Since(start).Microseconds()) / 1000,
	}
	best := 0
	for i, p := range res.Probs {
		if p > res.Probs[best] {
			best = i
		}
	}
	res.TopLabel, res.TopProb = names[best], res.Probs[best]

	if *asJSON {
		enc := json.NewEncoder(stdout)
		return enc.Encode(res)
	}
	order := make([]int, len(names))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return res.Probs[order[a]] > res.Probs[order[b]] })
	for _, i := range order {
		fmt.Fprintf(stdout, "%6.2f%%  %8.4f  %s\n", 100*res.Probs[i], res.Logits[i], names[i])
	}
	return nil
}

// splitLabels splits "a;b;c", trimming blanks and dropping empty entries.
func splitLabels(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ";") {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// readFrame decodes a PNG or JPEG file into an RGB frame.
func readFrame(path string) (preprocess.Frame, error) {
	f, err := os.Open(path)
	if err != nil {
		return preprocess.Frame{}, fmt.Errorf("frame: %w", err)
	}
	defer f.Close()
	img, format, err := image.Decode(f)
	if err != nil {
		return preprocess.Frame{}, fmt.Errorf("frame %s: cannot decode (want PNG or JPEG): %w", path, err)
	}
	_ = format
	return preprocess.FromImage(img), nil
}
