package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // decoders for image.Decode
	_ "image/png"
	"io"
	"os"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/xclipfilter/xclipfilter/backend"
	"github.com/xclipfilter/xclipfilter/internal/safefile"
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

// classifyOptions are what classify passes on to the xclipfilter element for a video: the checkpoint
// folder, the labels as given, and backend.Open's names.
type classifyOptions struct {
	model, labels, labelsFile, template string
	device, precision                   string
	threads                             int
}

// The flags --device, --dtype and --threads, shared by classify and bench: backend.Open's arguments.
const (
	deviceUsage  = "where inference runs: auto (the GPU in a CUDA build, make xclip-cuda, when one can be had; else the CPU), cpu or cuda"
	dtypeUsage   = "weights: auto (bf16 on a GPU and on CPUs with AMX, else fp32), fp32, bf16, or fp16 (GPU only)"
	threadsUsage = "CPU threads for inference (default: all cores; 0: the default budget, which leaves a core to the rest of a pipeline on machines of up to 4 cores)"
)

func runClassify(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("classify", stderr)
	dir := fs.String("model", "", "checkpoint folder (config.json, model.safetensors, tokenizer files), or hub id ORG/NAME[@REVISION]")
	labels := fs.String("labels", "", `labels separated by ";", e.g. "a fall;a fight;nobody"`)
	labelsFile := fs.String("labels-file", "", `file of labels, one a line: "name", or "name: prompt | prompt" (prompts averaged; see examples/labels/fall.labels)`)
	template := fs.String("template", "{}", `prompt template; "{}" stands for the label, e.g. "a video of {}"`)
	asJSON := fs.Bool("json", false, "print one JSON object (labels, logits, probs, ...)")
	threads := fs.Int("threads", runtime.GOMAXPROCS(0), threadsUsage)
	device := fs.String("device", "auto", deviceUsage)
	dtype := fs.String("dtype", "auto", dtypeUsage)
	savePixels := fs.String("save-pixels", "", "also write the preprocessed window to this safetensors file (key pixel_values)")
	video := addVideoFlags(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, "usage: xclip classify --model DIR --labels \"a;b;c\" | --labels-file FILE [flags] FRAME... | VIDEO_FILE\n\n")
		fs.PrintDefaults()
	}
	files, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *dir == "" {
		return usageError{errors.New("--model is required")}
	}
	set, err := labelSetOf(*labels, *labelsFile, *template)
	if err != nil {
		return err
	}
	names := set.Names
	if len(files) == 0 {
		return usageError{errors.New("no frames: give image files (PNG or JPEG) forming one window")}
	}
	if !strings.Contains(*template, "{}") {
		return usageError{fmt.Errorf("--template %q has no {} for the label", *template)}
	}

	if err := backend.Check(*device, *dtype, *threads); err != nil {
		return err
	}
	folder, err := resolveModel(*dir, stderr)
	if err != nil {
		return err
	}
	if isVideo(files) {
		prec, _ := backend.ParsePrecision(*dtype) // the element's enum has the canonical names only
		return classifyVideo(classifyOptions{model: folder, labels: *labels, labelsFile: *labelsFile, template: *template,
			device: strings.ToLower(strings.TrimSpace(*device)), precision: prec.String(), threads: *threads},
			files[0], video, stdout, stderr)
	}
	b, note, err := backend.Open(*device, *dtype, *threads)
	if err != nil {
		return err
	}
	if backend.CUDABuilt && note != "" { // where auto had a choice to make, say which
		fmt.Fprintf(stderr, "xclip classify: %s\n", note)
	}
	opts, err := modelOptions(folder, b)
	if err != nil {
		return err
	}
	c, err := model.NewClassifier(folder, opts)
	if err != nil {
		return err
	}
	c.Warn = func(msg string) { fmt.Fprintf(stderr, "xclip classify: warning: %s\n", msg) }

	// Each file is decoded and preprocessed at once, so that at most one decoded frame is held.
	idx := model.SampleUniform(len(files), c.NumFrames())
	s := c.Model.Config.Vision.ImageSize
	per := 3 * s * s
	window := make([]string, len(idx))
	pixels := make([]float32, len(idx)*per) // [T, 3, S, S]
	done := map[int]int{}                   // file index → the window position that holds its pixels
	var preprocessing time.Duration
	for i, j := range idx {
		window[i] = files[j]
		dst := pixels[i*per : (i+1)*per]
		if k, ok := done[j]; ok {
			copy(dst, pixels[k*per:(k+1)*per])
			continue
		}
		f, err := readFrame(files[j])
		if err != nil {
			return err
		}
		t0 := time.Now()
		if err := c.Processor.Process(dst, f); err != nil {
			return fmt.Errorf("frame %s: %w", files[j], err)
		}
		preprocessing += time.Since(t0)
		done[j] = i
	}

	text, err := c.EncodeLabelSet(set)
	if err != nil {
		return err
	}
	start := time.Now()
	if *savePixels != "" {
		buf, err := safetensors.Encode(map[string]safetensors.Tensor{
			"pixel_values": {Shape: []int{len(idx), 3, s, s}, Data: pixels},
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
		InferenceMS: float64((preprocessing + time.Since(start)).Microseconds()) / 1000,
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

// Frame files may claim any size in a few bytes of header (a 4.6 MB PNG can claim 40000×40000, 6.4 GB
// decoded): the size is read first and capped. The caps admit 8K frames (7680×4320, 8192×4320) and
// panoramas up to 16384 wide.
const (
	maxFrameSide   = 16384
	maxFramePixels = 8192 * 8192 // 64 Mpixel: 256 MiB decoded as RGBA
)

// readFrame decodes a PNG or JPEG file into an RGB frame, after checking the size its header claims.
func readFrame(path string) (preprocess.Frame, error) {
	f, err := safefile.Open(path, "frame", safefile.FrameLimit)
	if err != nil {
		return preprocess.Frame{}, fmt.Errorf("frame: %w", err)
	}
	defer f.Close()
	cfg, format, err := image.DecodeConfig(bufio.NewReader(f))
	if err != nil {
		return preprocess.Frame{}, fmt.Errorf("frame %s: cannot decode (want PNG or JPEG): %w", path, err)
	}
	if cfg.Width > maxFrameSide || cfg.Height > maxFrameSide || int64(cfg.Width)*int64(cfg.Height) > maxFramePixels {
		return preprocess.Frame{}, fmt.Errorf("frame %s: the %s header claims %dx%d pixels, over the limit of %d per side and %d Mpixel",
			path, format, cfg.Width, cfg.Height, maxFrameSide, maxFramePixels>>20)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return preprocess.Frame{}, fmt.Errorf("frame %s: %w", path, err)
	}
	img, _, err := image.Decode(bufio.NewReader(io.LimitReader(f, safefile.FrameLimit)))
	if err != nil {
		return preprocess.Frame{}, fmt.Errorf("frame %s: cannot decode (want PNG or JPEG): %w", path, err)
	}
	return preprocess.FromImage(img), nil
}
