// Command xclip-cuda-check runs the CUDA backend's checks and benchmark on a GPU (scripts/gpu-check.sh
// drives it); --device emu runs the same code on the pure-Go emulated device.
//
//	xclip-cuda-check ops    [--device cuda|emu] [--dtype fp32,bf16,fp16]
//	xclip-cuda-check parity --golden DIR [--configs a,b] [--dtype fp32,bf16,fp16] [--device cuda|emu]
//	xclip-cuda-check bench  --golden DIR [--config base-patch32-8f] [--dtype bf16] [--batch 1,8,64,256]
//	                        [--iters 20] [--json] [--device cuda|emu]
//
// ops and parity print one line per check and end with "N passed, M failed"; the exit status is 1 when
// any failed. bench prints one line (or JSON object) per batch size.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/xclipfilter/xclipfilter/cuda"
	"github.com/xclipfilter/xclipfilter/internal/formula"
	"github.com/xclipfilter/xclipfilter/model"
	"github.com/xclipfilter/xclipfilter/model/backendtest"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: xclip-cuda-check ops|parity|bench [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "ops":
		err = runOps(os.Args[2:])
	case "parity":
		err = runParity(os.Args[2:])
	case "bench":
		err = runBench(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q (want ops, parity or bench)", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "xclip-cuda-check:", err)
		os.Exit(1)
	}
}

var errFailed = errors.New("checks failed")

func open(device string, dt cuda.DType) (*cuda.Backend, error) {
	switch device {
	case "cuda":
		return cuda.New(cuda.Options{DType: dt})
	case "emu":
		return cuda.NewEmulated(dt)
	}
	return nil, fmt.Errorf("unknown device %q (want cuda or emu)", device)
}

func dtypes(s string) ([]cuda.DType, error) {
	var out []cuda.DType
	for _, f := range strings.Split(s, ",") {
		dt, err := cuda.ParseDType(strings.TrimSpace(f))
		if err != nil {
			return nil, err
		}
		out = append(out, dt)
	}
	return out, nil
}

// report prints results and returns errFailed if any failed.
func report(what string, rs []backendtest.Result) error {
	failed := 0
	for _, r := range rs {
		fmt.Println(r)
		if !r.OK() {
			failed++
		}
	}
	fmt.Printf("%s: %d passed, %d failed\n", what, len(rs)-failed, failed)
	if failed > 0 {
		return errFailed
	}
	return nil
}

func runOps(args []string) error {
	fs := flag.NewFlagSet("ops", flag.ExitOnError)
	device := fs.String("device", "cuda", "cuda or emu")
	dts := fs.String("dtype", "fp32,bf16,fp16", "modes to check")
	fs.Parse(args)
	list, err := dtypes(*dts)
	if err != nil {
		return err
	}
	var all []backendtest.Result
	for _, dt := range list {
		b, err := open(*device, dt)
		if err != nil {
			return err
		}
		rs := backendtest.Ops(b, backendtest.ForDType(dt.String()))
		for i := range rs {
			rs[i].Name = dt.String() + " " + rs[i].Name
		}
		all = append(all, rs...)
		b.Close()
	}
	return report("ops", all)
}

func runParity(args []string) error {
	fs := flag.NewFlagSet("parity", flag.ExitOnError)
	device := fs.String("device", "cuda", "cuda or emu")
	golden := fs.String("golden", "", "golden folder (../shared/golden)")
	configs := fs.String("configs", "xclip-tiny-a,xclip-tiny-b,base-patch32-8f,base-patch32-16f,base-patch16-8f,large-patch14-8f", "golden configurations")
	dts := fs.String("dtype", "fp32,bf16,fp16", "modes")
	fs.Parse(args)
	if *golden == "" {
		return errors.New("--golden is required")
	}
	list, err := dtypes(*dts)
	if err != nil {
		return err
	}
	var all []backendtest.Result
	for _, name := range strings.Split(*configs, ",") {
		dir := filepath.Join(*golden, strings.TrimSpace(name))
		for _, dt := range list {
			start := time.Now()
			rs, err := parityOne(*device, dir, dt)
			if err != nil {
				rs = []backendtest.Result{{Name: filepath.Base(dir), Fail: err.Error()}}
			}
			for i := range rs {
				rs[i].Name = dt.String() + " " + rs[i].Name
			}
			all = append(all, rs...)
			fmt.Fprintf(os.Stderr, "parity %s %s: %.1fs\n", filepath.Base(dir), dt, time.Since(start).Seconds())
		}
	}
	return report("parity", all)
}

func parityOne(device, dir string, dt cuda.DType) (rs []backendtest.Result, err error) {
	b, err := open(device, dt)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	defer func() {
		if e := recover(); e != nil {
			err = fmt.Errorf("panic: %v", e)
		}
	}()
	opts, err := formula.WithWeights(dir, model.Options{Backend: b})
	if err != nil {
		return nil, err
	}
	m, err := model.Load(dir, opts)
	if err != nil {
		return nil, err
	}
	return backendtest.Parity(m, dir, dt != cuda.FP32)
}

// benchRow is one batch size's result (--json prints it as one object per line).
type benchRow struct {
	Impl         string  `json:"impl"`
	Config       string  `json:"config"`
	Device       string  `json:"device"`
	DType        string  `json:"dtype"`
	Batch        int     `json:"batch"`
	Iters        int     `json:"iters"`
	MS           float64 `json:"ms"` // median time of one ClassifyBatchMat call for the batch (8 labels)
	WindowsPerS  float64 `json:"windows_per_s"`
	LatencyMS    float64 `json:"latency_ms"` // a window's latency: the batch's time
	MSPerWindow  float64 `json:"ms_per_window"`
	TFLOPS       float64 `json:"tflops"`
	GraphSame    bool    `json:"graph_replay_identical"`
	WorkspaceMiB int64   `json:"workspace_mib"`
	Error        string  `json:"error,omitempty"`
}

func runBench(args []string) error {
	fs := flag.NewFlagSet("bench", flag.ExitOnError)
	device := fs.String("device", "cuda", "cuda or emu")
	golden := fs.String("golden", "", "golden folder (the configuration's formula weights are used)")
	config := fs.String("config", "base-patch32-8f", "configuration folder under --golden")
	dts := fs.String("dtype", "bf16", "modes")
	batches := fs.String("batch", "1,8,64,256", "batch sizes (windows per call)")
	iters := fs.Int("iters", 20, "timed calls per batch size (after 3 warm-up calls)")
	asJSON := fs.Bool("json", false, "one JSON object per line")
	fs.Parse(args)
	if *golden == "" {
		return errors.New("--golden is required")
	}
	list, err := dtypes(*dts)
	if err != nil {
		return err
	}
	var bs []int
	for _, f := range strings.Split(*batches, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return fmt.Errorf("bad batch %q", f)
		}
		bs = append(bs, n)
	}
	dir := filepath.Join(*golden, *config)
	for _, dt := range list {
		b, err := open(*device, dt)
		if err != nil {
			return err
		}
		start := time.Now()
		opts, err := formula.WithWeights(dir, model.Options{Backend: b})
		if err != nil {
			return err
		}
		m, err := model.Load(dir, opts)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "bench: loaded %s on %s in %.1fs\n", *config, b.Name(), time.Since(start).Seconds())
		for _, n := range bs {
			row := benchOne(m, b, n, *iters)
			row.Config, row.DType = *config, dt.String()
			if *asJSON {
				out, _ := json.Marshal(row)
				fmt.Println(string(out))
			} else if row.Error != "" {
				fmt.Printf("%s %s batch %d: %s\n", row.Device, row.DType, n, row.Error)
			} else {
				fmt.Printf("%s %s batch %4d: %8.3f ms  %9.1f windows/s  %6.1f TFLOP/s  graph replay identical: %v\n",
					row.Device, row.DType, n, row.MS, row.WindowsPerS, row.TFLOPS, row.GraphSame)
			}
		}
		b.Close()
	}
	return nil
}

func benchOne(m *model.Model, b *cuda.Backend, n, iters int) (row benchRow) {
	row = benchRow{Impl: "xclip-cuda", Device: b.Name(), Batch: n}
	defer func() {
		if e := recover(); e != nil {
			row.Error = fmt.Sprint("panic: ", e)
		}
		b.Trim()
	}()
	vc := m.Config.Vision
	per := vc.NumFrames * vc.NumChannels * vc.ImageSize * vc.ImageSize
	one := make([]float32, per)
	formula.Entry{K: 7, Offset: 0, Scale: 2}.Fill(one)
	pixels := make([]float32, n*per)
	for v := range n {
		copy(pixels[v*per:], one)
	}
	ws := b.Workspace()
	defer ws.Release()
	px := ws.Alloc(n*vc.NumFrames*vc.NumChannels*vc.ImageSize, vc.ImageSize)
	b.Upload(px, pixels)
	// Eight labels of eight tokens (as xclip bench), the same for every window.
	ids, mask := make([][]int, 8), make([][]int, 8)
	for i := range ids {
		ids[i] = []int{49406, 400 + 4*i, 401 + 4*i, 402 + 4*i, 403 + 4*i, 49407, 49407, 49407}
		mask[i] = []int{1, 1, 1, 1, 1, 1, 1, 1}
	}
	text, err := m.TextFeatures(ids, mask)
	if err != nil {
		row.Error = err.Error()
		return row
	}
	labels := make([]*model.Tensor, n)
	for i := range labels {
		labels[i] = text
	}
	// Warm-up: the first call runs kernel by kernel, the second is captured as a graph, the third
	// replays it; the replay must give the same bits as the direct run.
	var first, last []float32
	for i := range 3 {
		logits, err := m.ClassifyBatchMat(px, labels)
		if err != nil {
			row.Error = err.Error()
			return row
		}
		var flat []float32
		for _, l := range logits {
			flat = append(flat, l...)
		}
		if i == 0 {
			first = flat
		}
		last = flat
	}
	row.GraphSame = equal(first, last)
	times := make([]float64, iters)
	for i := range times {
		t0 := time.Now()
		if _, err := m.ClassifyBatchMat(px, labels); err != nil {
			row.Error = err.Error()
			return row
		}
		times[i] = float64(time.Since(t0).Microseconds()) / 1000
	}
	sort.Float64s(times)
	row.Iters = iters
	row.MS = times[len(times)/2]
	row.WindowsPerS = float64(n) * 1000 / row.MS
	row.LatencyMS = row.MS
	row.MSPerWindow = row.MS / float64(n)
	row.TFLOPS = videoFLOPs(m.Config) * float64(n) / (row.MS / 1000) / 1e12
	row.WorkspaceMiB = b.WorkspaceBytes() >> 20
	return row
}

func equal(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// videoFLOPs counts the multiply-adds (×2) of one window through the vision side as this backend computes
// it: the vision encoder over CLS + patches + message slot per frame, the message steps, the MIT and
// the prompt-token projection.
func videoFLOPs(c model.Config) float64 {
	v := c.Vision
	t := float64(v.NumFrames)
	d, in, p := float64(v.HiddenSize), float64(v.IntermediateSize), float64(c.ProjectionDim)
	np := float64(v.NumPatches())
	ls := np + 2
	kk := float64(v.NumChannels * v.PatchSize * v.PatchSize)
	f := 2 * t * ls * kk * d                        // patch embedding
	perLayer := 2*t*ls*(4*d*d+2*d*in) + 4*t*ls*ls*d // encoder GEMMs + attention
	perLayer += 2 * t * (5 * d * d)                 // message_fc, message q/k/v/out
	perLayer += 4 * t * t * d                       // message attention
	f += float64(v.NumHiddenLayers) * perLayer
	f += 2 * t * d * p // visual projection
	mp, mi := float64(v.MITHiddenSize), float64(v.MITIntermediateSize)
	f += float64(v.MITNumHiddenLayers) * (2*t*(4*mp*mp+2*mp*mi) + 4*t*t*mp)
	f += 2 * np * d * p // prompt tokens
	return f
}
