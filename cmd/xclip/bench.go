package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/xclipfilter/xclipfilter/backend"
	"github.com/xclipfilter/xclipfilter/cpu"
	"github.com/xclipfilter/xclipfilter/engine"
	"github.com/xclipfilter/xclipfilter/internal/formula"
	"github.com/xclipfilter/xclipfilter/internal/gemm"
	"github.com/xclipfilter/xclipfilter/model"
)

// benchResult is what `xclip bench --json` prints.
type benchResult struct {
	Model   string `json:"model"`
	Device  string `json:"device"`
	Backend string `json:"backend"` // e.g. cpu/avx2/bf16
	DType   string `json:"dtype"`
	Threads int    `json:"threads"`
	Batch   int    `json:"batch"`   // windows per ClassifyBatch call
	Streams int    `json:"streams"` // goroutines running windows at once, sharing the model
	Labels  int    `json:"labels"`
	Runs    int    `json:"runs"`   // timed runs per round
	Rounds  int    `json:"rounds"` // rounds of runs, alternating with the PyTorch reference's
	CPU     string `json:"cpu"`
	AMX     string `json:"amx"` // "on", or why the AMX-BF16 kernel is off ("CPU lacks AMX", the OS's refusal)

	LoadS         float64   `json:"load_s"`
	TextEncodeS   float64   `json:"text_encode_s"`     // first TextFeatures call for the labels
	WindowSMedian float64   `json:"window_s_median"`   // seconds per window (per run: wall / windows)
	WindowSMin    float64   `json:"window_s_min"`      //
	WindowS       []float64 `json:"window_s"`          // every run
	WindowsPerS   float64   `json:"windows_per_s"`     // 1 / window_s_median
	LatencyMS     float64   `json:"latency_ms"`        // median wall time of one call of batch windows
	CPUSMedian    float64   `json:"cpu_s_median"`      // process CPU seconds per window (robust to other load)
	PeakRSSMB     float64   `json:"peak_rss_mb"`       // this process's peak RSS (getrusage), before the PyTorch runs
	WindowGFLOP   float64   `json:"window_gflop"`      // model.WindowFLOPs
	TextGFLOP     float64   `json:"text_gflop"`        // model.TextFLOPs
	GemmGFLOPS    float64   `json:"gemm_gflops"`       // best fp32 Linear rate at M=400, K=768, N=3072, this run (after each round)
	RooflineS     float64   `json:"roofline_s"`        // window_gflop / gemm_gflops
	RooflineRatio float64   `json:"roofline_ratio"`    // roofline_s / window_s_median
	LoadAvg       string    `json:"loadavg,omitempty"` // /proc/loadavg before the runs

	Torch            []torchResult `json:"torch,omitempty"`               // every invocation, in order
	TorchBestS       float64       `json:"torch_window_s_best,omitempty"` // best over its thread settings of the median of its round medians
	TorchThreads     int           `json:"torch_threads_best,omitempty"`  //
	TorchSpeedup     float64       `json:"torch_speedup,omitempty"`       // torch_window_s_best / window_s_median
	RoundSpeedups    []float64     `json:"round_speedups,omitempty"`      // per round: its best torch median / our median of that round
	TorchTextS       float64       `json:"torch_text_encode_s,omitempty"` // at its best thread setting
	TorchGemmGFLOPS  float64       `json:"torch_gemm_gflops,omitempty"`   // its F.linear rate at the roofline shape, best thread setting
	TorchUnavailable string        `json:"torch_unavailable,omitempty"`   // why the reference did not run
	// TorchDType is the reference's weight format: bf16 (nn.Linear weights in bf16, through oneDNN)
	// when ours is bf16, so that the ratio compares like with like; else fp32.
	TorchDType          string  `json:"torch_dtype,omitempty"`
	TorchGemmBF16GFLOPS float64 `json:"torch_gemm_bf16_gflops,omitempty"` // bf16 runs: its bf16 F.linear rate at the roofline shape

	// StreamsRun is the run of --streams N: N engines sharing the model through one scheduler.
	StreamsRun *streamsResult `json:"streams_run,omitempty"`
}

// torchResult is one run of ../shared/bench/torch_xclip.py --bench (its JSON, as printed).
type torchResult struct {
	Round         int     `json:"round"` // added here: which round ran it
	Peer          string  `json:"peer"`
	DType         string  `json:"dtype"`
	Threads       int     `json:"threads"`
	Batch         int     `json:"batch"`
	WindowSMedian float64 `json:"window_s_median"`
	WindowSMin    float64 `json:"window_s_min"`
	TextEncodeS   float64 `json:"text_encode_s"`
}

func runBench(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", stderr)
	dir := fs.String("model", "", "checkpoint folder: model.safetensors, or config.json + weights_manifest.json (formula weights); or hub id ORG/NAME[@REVISION]")
	device := fs.String("device", "cpu", deviceUsage)
	dtype := fs.String("dtype", "auto", dtypeUsage+"; with --torch the reference runs in the same format (bf16 or fp32)")
	threads := fs.Int("threads", runtime.GOMAXPROCS(0), threadsUsage)
	batch := fs.Int("batch", 1, "windows per EncodeVideo call (as from different streams); with --streams the scheduler's batch size (default 4)")
	streams := fs.Int("streams", 1, "run N streams (engines, as N elements in one process) through one shared model and scheduler, --runs windows each, and report aggregate windows/s, per-stream p50/p95 latency, skipped windows and peak RSS")
	batchTimeout := fs.Duration("batch-timeout", 0, "with --streams: how long a window may wait for others to fill its pass (0: never)")
	fps := fs.Float64("fps", 0, "with --streams: feed each stream this many frames a second as a live source (non-blocking: windows the model cannot serve in time are skipped); 0: blocking, as fast as the model goes")
	labels := fs.Int("labels", 8, "labels, encoded once and cached")
	runs := fs.Int("runs", 5, "timed runs per round, after one warm-up")
	rounds := fs.Int("rounds", 3, "with --torch: rounds of --runs windows, each followed by the PyTorch runs, so that both see the same machine (1 without --torch)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	roofline := fs.Bool("roofline", true, "measure the fp32 GEMM rate at M=400, K=768, N=3072 in this run")
	torchScript := fs.String("torch", "", "PyTorch reference script (torch_xclip.py) to run side by side when python3 has torch")
	python := fs.String("python", "", "python interpreter for --torch (default: the first of /usr/bin/python3, python3 that imports torch)")
	torchThreads := fs.String("torch-threads", "1,2", "thread counts for the PyTorch reference; the best one counts")
	torchRuns := fs.Int("torch-runs", 3, "timed runs of the PyTorch reference per thread count")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the first round's timed runs to this file")
	fs.Usage = func() {
		fmt.Fprint(stderr, "usage: xclip bench --model DIR [--device cpu|cuda|auto] [--dtype fp32|bf16|fp16] [--threads N] [--batch N] [--json] [flags]\n"+
			"       xclip bench --model DIR --streams N [--fps F] [--batch N] [--batch-timeout D] [--runs N] [--json]\n\n")
		fs.PrintDefaults()
	}
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	streamsMode := given["streams"] || given["fps"] || given["batch-timeout"]
	if streamsMode && !given["batch"] {
		*batch = engine.DefaultMaxBatch
	}
	switch {
	case *dir == "":
		return usageError{errors.New("--model is required")}
	case len(rest) > 0:
		return usageError{fmt.Errorf("unexpected arguments %q", rest)}
	case *batch < 1 || *streams < 1 || *runs < 1 || *rounds < 1 || *labels < 1 || *threads < 0:
		return usageError{errors.New("--batch, --streams, --runs, --rounds and --labels must be >= 1, --threads >= 0")}
	case streamsMode && (*batch > engine.MaxBatchLimit || *batchTimeout < 0 || *fps < 0 || *torchScript != ""):
		return usageError{fmt.Errorf("with --streams: --batch at most %d, --batch-timeout and --fps not negative, no --torch", engine.MaxBatchLimit)}
	}
	var tthreads []int
	for _, f := range strings.Split(*torchThreads, ",") {
		var n int
		if _, err := fmt.Sscan(strings.TrimSpace(f), &n); err != nil || n < 1 {
			return usageError{fmt.Errorf("--torch-threads %q: want a list of thread counts", *torchThreads)}
		}
		tthreads = append(tthreads, n)
	}

	be, _, err := backend.Open(*device, *dtype, *threads)
	if err != nil {
		return usageError{err}
	}
	folder, err := resolveModel(*dir, stderr)
	if err != nil {
		return err
	}
	r := benchResult{Model: *dir, Device: *device, DType: backendDType(be.Name()),
		Threads: threadsOf(be), Batch: *batch, Streams: *streams, Labels: *labels, Runs: *runs,
		Rounds: 1, CPU: cpuName(), AMX: "on"}
	if ok, why := cpu.AMXStatus(); !ok {
		r.AMX = "off: " + why
	}
	var torch *torchRunner
	if *torchScript != "" {
		torch, r.TorchUnavailable = newTorchRunner(*torchScript, *python, folder, tthreads, *labels, max(1, *torchRuns), *batch)
		if torch != nil {
			r.Rounds = *rounds
			torch.dtype = torchDType(r.DType)
			r.TorchDType = torch.dtype
		}
	}

	t0 := time.Now()
	opts, err := modelOptions(folder, be)
	if err != nil {
		return err
	}
	m, err := model.Load(folder, opts)
	if err != nil {
		return err
	}
	r.LoadS = time.Since(t0).Seconds()
	r.Backend = m.Info.Backend
	cfg := m.Config
	vc := cfg.Vision

	// The inputs torch_xclip.py --bench uses: labels of 8 tokens, formula pixels (k = 100000).
	ids, mask := make([][]int, *labels), make([][]int, *labels)
	for i := range ids {
		ids[i] = []int{49406, 400 + 4*i, 401 + 4*i, 402 + 4*i, 403 + 4*i, 49407, 49407, 49407}
		mask[i] = []int{1, 1, 1, 1, 1, 1, 1, 1}
	}
	t0 = time.Now()
	text, err := m.TextFeatures(ids, mask)
	if err != nil {
		return err
	}
	r.TextEncodeS = time.Since(t0).Seconds()
	pixels := make([]float32, *batch*vc.NumFrames*vc.NumChannels*vc.ImageSize*vc.ImageSize)
	formula.Entry{K: 100000, Offset: 0, Scale: 2}.Fill(pixels)
	labelSets := make([]*model.Tensor, *batch) // every window against the same labels
	for i := range labelSets {
		labelSets[i] = text
	}
	window := func() error {
		_, err := m.ClassifyBatch(pixels, labelSets)
		return err
	}
	if err := window(); err != nil { // warm-up
		return err
	}
	if streamsMode {
		if la, err := os.ReadFile("/proc/loadavg"); err == nil {
			r.LoadAvg = strings.TrimSpace(string(la))
		}
		sr, err := runStreams(m, text, *streams, *runs, engine.BatchConfig{MaxBatch: *batch, Timeout: *batchTimeout}, *fps)
		if err != nil {
			return err
		}
		r.StreamsRun = &sr
		r.PeakRSSMB = peakRSSMB()
		r.WindowsPerS = sr.AggregateWPS
		if sr.Windows > 0 {
			r.WindowSMedian = sr.WallS / float64(sr.Windows)
		}
		if *asJSON {
			return json.NewEncoder(stdout).Encode(r)
		}
		printStreams(stdout, &r)
		return nil
	}
	if la, err := os.ReadFile("/proc/loadavg"); err == nil {
		r.LoadAvg = strings.TrimSpace(string(la))
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	per := float64(*batch * *streams)
	var cpuS []float64
	oneRun := func() error {
		c0 := cpuSeconds()
		t0 := time.Now()
		errs := make([]error, *streams)
		var wg sync.WaitGroup
		for s := range *streams {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[s] = window()
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return err
		}
		r.WindowS = append(r.WindowS, time.Since(t0).Seconds()/per)
		cpuS = append(cpuS, (cpuSeconds()-c0)/per)
		return nil
	}
	for round := range r.Rounds {
		if round > 0 {
			if err := window(); err != nil { // warm again after the PyTorch process
				return err
			}
		}
		for range *runs {
			if err := oneRun(); err != nil {
				return err
			}
		}
		if *cpuProfile != "" { // the profile covers the first round's runs
			pprof.StopCPUProfile()
			*cpuProfile = ""
		}
		if round == 0 {
			r.PeakRSSMB = peakRSSMB()
		}
		if *roofline { // the best of the rounds: the machine's speed drifts
			r.GemmGFLOPS = max(r.GemmGFLOPS, gemmRoofline(r.Threads))
		}
		if torch != nil && r.TorchUnavailable == "" {
			if err := torch.round(&r, round, r.WindowS[len(r.WindowS)-*runs:]); err != "" {
				r.TorchUnavailable = err
			}
		}
	}
	r.CPUSMedian = median(cpuS)
	r.WindowSMedian, r.WindowSMin = median(r.WindowS), minOf(r.WindowS)
	r.WindowsPerS = 1 / r.WindowSMedian
	r.LatencyMS = 1000 * r.WindowSMedian * per
	r.WindowGFLOP = model.WindowFLOPs(cfg, *labels) / 1e9
	r.TextGFLOP = model.TextFLOPs(cfg, *labels, 8) / 1e9
	if *roofline {
		r.RooflineS = r.WindowGFLOP / r.GemmGFLOPS
		r.RooflineRatio = r.RooflineS / r.WindowSMedian
	}
	if torch != nil && r.TorchUnavailable == "" {
		torch.summarize(&r)
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(r)
	}
	printBench(stdout, &r)
	return nil
}

func median(x []float64) float64 {
	s := append([]float64(nil), x...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func minOf(x []float64) float64 {
	m := x[0]
	for _, v := range x {
		m = min(m, v)
	}
	return m
}

// gemmRoofline is the best rate of fp32 gemm.Linear at M=400, K=768, N=3072 (the shape of a
// base-patch32 window's MLP up-projection) on threads threads, in GFLOP/s: the speed the matrix
// multiplies of a window can reach on this machine, now.
func gemmRoofline(threads int) float64 {
	const m, k, n = 400, 768, 3072
	rng := rand.New(rand.NewPCG(1, 2))
	rnd := func(l int) []float32 {
		s := make([]float32, l)
		for i := range s {
			s[i] = float32(rng.NormFloat64())
		}
		return s
	}
	a, w, bias, c := rnd(m*k), gemm.Pack(rnd(n*k), n, k), rnd(n), make([]float32, m*n)
	pool := gemm.NewPool(threads)
	best := 0.0
	deadline := time.Now().Add(2 * time.Second)
	for i := 0; i < 10 || (i < 200 && time.Now().Before(deadline)); i++ {
		t0 := time.Now()
		gemm.Linear(pool, c, n, a, k, m, w, bias)
		best = max(best, 2*m*k*n/time.Since(t0).Seconds()/1e9)
	}
	return best
}

// cpuSeconds is the CPU time (user + system) this process has used.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// peakRSSMB is this process's peak resident set size (what /usr/bin/time -v reports), in MB.
func peakRSSMB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024 // KiB on Linux
}

func cpuName() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return fmt.Sprintf("%s (%s, %d CPUs)", strings.TrimSpace(v), gemm.Kernel(), runtime.NumCPU())
		}
	}
	return runtime.GOARCH
}

// findPython returns an interpreter that imports torch, or why there is none.
func findPython(want string) (string, error) {
	cands := []string{want}
	if want == "" {
		cands = []string{"/usr/bin/python3", "python3"}
	}
	var why []string
	for _, c := range cands {
		p, err := exec.LookPath(c)
		if err != nil {
			why = append(why, fmt.Sprintf("%s: not found", c))
			continue
		}
		if out, err := exec.Command(p, "-c", "import torch").CombinedOutput(); err != nil {
			why = append(why, fmt.Sprintf("%s: cannot import torch (%s)", p, lastLine(out)))
			continue
		}
		return p, nil
	}
	return "", errors.New(strings.Join(why, "; "))
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

// torchRunner runs the PyTorch reference (torch_xclip.py --bench) at each thread count, once per round,
// after the Go runs of that round (never at the same time).
type torchRunner struct {
	script, python, dir string
	threads             []int
	labels, runs, batch int
	dtype               string            // --dtype of the reference: fp32 or bf16
	medians             map[int][]float64 // per thread count, the median of each round
	texts               map[int][]float64
}

// newTorchRunner finds the script and an interpreter that imports torch; it returns nil and why when
// there is none.
func newTorchRunner(script, python, dir string, threads []int, labels, runs, batch int) (*torchRunner, string) {
	if _, err := os.Stat(script); err != nil {
		return nil, err.Error()
	}
	py, err := findPython(python)
	if err != nil {
		return nil, err.Error()
	}
	abs, _ := filepath.Abs(dir)
	return &torchRunner{script: script, python: py, dir: abs, threads: threads, labels: labels, runs: runs,
		batch: batch, medians: map[int][]float64{}, texts: map[int][]float64{}}, ""
}

// round runs the reference at each thread count and records, for the round, its best median against
// ours (the Go runs of the round); it returns why it failed, if it did.
func (t *torchRunner) round(r *benchResult, round int, ours []float64) string {
	best := 0.0
	for _, th := range t.threads {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
		cmd := exec.CommandContext(ctx, t.python, t.script, "--bench", "--formula", t.dir, "--threads", fmt.Sprint(th),
			"--labels", fmt.Sprint(t.labels), "--runs", fmt.Sprint(t.runs), "--batch", fmt.Sprint(t.batch),
			"--dtype", t.dtype)
		cmd.Env = torchEnv(th)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		cancel()
		if err != nil {
			return fmt.Sprintf("%s --threads %d: %v: %s", t.script, th, err, lastLine(errb.Bytes()))
		}
		var tr torchResult
		if err := json.Unmarshal([]byte(lastLine(out.Bytes())), &tr); err != nil {
			return fmt.Sprintf("%s printed no JSON: %v", t.script, err)
		}
		tr.Round = round
		r.Torch = append(r.Torch, tr)
		t.medians[th] = append(t.medians[th], tr.WindowSMedian)
		t.texts[th] = append(t.texts[th], tr.TextEncodeS)
		if best == 0 || tr.WindowSMedian < best {
			best = tr.WindowSMedian
		}
	}
	r.RoundSpeedups = append(r.RoundSpeedups, best/median(ours))
	return ""
}

// summarize picks the reference's best thread setting (by the median of its round medians), our
// speed-up against it, and its GEMM rate at that setting.
func (t *torchRunner) summarize(r *benchResult) {
	for _, th := range t.threads {
		if m := median(t.medians[th]); r.TorchBestS == 0 || m < r.TorchBestS {
			r.TorchBestS, r.TorchThreads, r.TorchTextS = m, th, median(t.texts[th])
		}
	}
	r.TorchSpeedup = r.TorchBestS / r.WindowSMedian
	// What BLAS the reference runs on decides its speed (Debian's torch uses whatever libblas.so.3
	// is installed: the netlib reference BLAS by default, OpenBLAS if selected): report its GEMM rate.
	probe := fmt.Sprintf(`import torch, time
torch.set_num_threads(%d)
a, w = torch.randn(400, 768), torch.randn(3072, 768)
best = 0.0
for i in range(10):
    t0 = time.perf_counter(); torch.nn.functional.linear(a, w); dt = time.perf_counter() - t0
    best = max(best, 2 * 400 * 768 * 3072 / dt / 1e9)
print(best)`, r.TorchThreads)
	pc := exec.Command(t.python, "-c", probe)
	pc.Env = torchEnv(r.TorchThreads)
	if out, err := pc.Output(); err == nil {
		fmt.Sscan(lastLine(out), &r.TorchGemmGFLOPS)
	}
	if t.dtype == "bf16" { // and in bf16, as the reference's bf16 Linear layers run (oneDNN where the CPU has bf16)
		pc := exec.Command(t.python, "-c", strings.Replace(probe, "torch.randn(3072, 768)",
			"torch.randn(3072, 768)\na, w = a.to(torch.bfloat16), w.to(torch.bfloat16)", 1))
		pc.Env = torchEnv(r.TorchThreads)
		if out, err := pc.Output(); err == nil {
			fmt.Sscan(lastLine(out), &r.TorchGemmBF16GFLOPS)
		}
	}
}

// torchDType is the reference's --dtype for our weight format: bf16 for bf16, fp32 otherwise (the
// reference runs on the CPU: it has no fp16 path).
func torchDType(ours string) string {
	if ours == "bf16" {
		return "bf16"
	}
	return "fp32"
}

// torchEnv is the environment of a PyTorch run at threads threads: unless the caller's environment says
// otherwise, the BLAS library gets as many threads as torch (OpenBLAS otherwise uses every core even at
// torch.set_num_threads(1)), and OpenMP workers wait passively (spinning ones take the cores from
// the BLAS threads: 2.7 times slower at 2 threads on the development machine).
func torchEnv(threads int) []string {
	env := os.Environ()
	for _, kv := range [][2]string{
		{"OPENBLAS_NUM_THREADS", fmt.Sprint(threads)}, {"MKL_NUM_THREADS", fmt.Sprint(threads)},
		{"OMP_NUM_THREADS", fmt.Sprint(threads)}, {"OMP_WAIT_POLICY", "PASSIVE"},
	} {
		if _, set := os.LookupEnv(kv[0]); !set {
			env = append(env, kv[0]+"="+kv[1])
		}
	}
	return env
}

func printBench(w io.Writer, r *benchResult) {
	fmt.Fprintf(w, "xclip bench: %s\n", r.Model)
	fmt.Fprintf(w, "  cpu            %s; load average %s; AMX %s\n", r.CPU, r.LoadAvg, r.AMX)
	fmt.Fprintf(w, "  backend        %s, %d threads, dtype %s, batch %d, streams %d, %d labels\n",
		r.Backend, r.Threads, r.DType, r.Batch, r.Streams, r.Labels)
	fmt.Fprintf(w, "  load           %.2f s\n", r.LoadS)
	fmt.Fprintf(w, "  text encode    %.3f s (%d labels, %.2f GFLOP)\n", r.TextEncodeS, r.Labels, r.TextGFLOP)
	fmt.Fprintf(w, "  window         %.3f s median, %.3f s min over %d runs (%.2f windows/s); CPU %.3f s per window\n",
		r.WindowSMedian, r.WindowSMin, len(r.WindowS), r.WindowsPerS, r.CPUSMedian)
	if r.GemmGFLOPS > 0 {
		fmt.Fprintf(w, "  roofline       sgemm M=400 K=768 N=3072: %.1f GFLOP/s; %.2f GFLOP per window -> %.3f s; ratio %.2f\n",
			r.GemmGFLOPS, r.WindowGFLOP, r.RooflineS, r.RooflineRatio)
	}
	fmt.Fprintf(w, "  peak RSS       %.0f MB\n", r.PeakRSSMB)
	switch {
	case len(r.Torch) > 0 && r.TorchUnavailable == "":
		for _, t := range r.Torch {
			fmt.Fprintf(w, "  pytorch        round %d: %s, %s, threads %d: window %.3f s median, text %.3f s\n",
				t.Round+1, t.Peer, r.TorchDType, t.Threads, t.WindowSMedian, t.TextEncodeS)
		}
		if r.TorchGemmBF16GFLOPS > 0 {
			fmt.Fprintf(w, "  pytorch bf16   the ratio below is bf16 against bf16; its bf16 F.linear at M=400 K=768 N=3072: %.1f GFLOP/s\n",
				r.TorchGemmBF16GFLOPS)
		}
		rs := make([]string, len(r.RoundSpeedups))
		for i, x := range r.RoundSpeedups {
			rs[i] = fmt.Sprintf("%.2fx", x)
		}
		fmt.Fprintf(w, "  vs pytorch     %s than its best (threads %d, %.3f s: median of its round medians; per round %s; its sgemm at M=400 K=768 N=3072: %.1f GFLOP/s)\n",
			speedupText(r.TorchSpeedup), r.TorchThreads, r.TorchBestS, strings.Join(rs, " "), r.TorchGemmGFLOPS)
	case r.TorchUnavailable != "":
		fmt.Fprintf(w, "  pytorch        not run: %s\n", r.TorchUnavailable)
	}
}

// speedupText words a speed-up (the reference's time over ours): "1.35x faster", or for a value
// below 1 the inverse, "1.35x slower", never "0.74x faster".
func speedupText(s float64) string {
	if s > 0 && s < 1 {
		return fmt.Sprintf("%.2fx slower", 1/s)
	}
	return fmt.Sprintf("%.2fx faster", s)
}

// threadsOf is the most threads one operation of b uses: its CPU thread budget (1 for a GPU backend,
// whose CPU side is one goroutine).
func threadsOf(b model.Backend) int {
	if t, ok := b.(interface{ Threads() int }); ok {
		return t.Threads()
	}
	return 1
}

// backendDType is the weight format a backend's name ends with (cpu/avx2/bf16, cuda/.../fp16), fp32
// when it names none.
func backendDType(name string) string {
	for _, d := range []string{"bf16", "fp16", "fp32"} {
		if strings.HasSuffix(name, "/"+d) {
			return d
		}
	}
	return "fp32"
}
