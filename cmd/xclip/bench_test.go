package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xclipfilter/xclipfilter/engine"
)

// TestBenchJSON runs `xclip bench --json` on the tiny checkpoint with each dtype and checks the
// object it prints: the fields the README's performance section and make bench rely on.
func TestBenchJSON(t *testing.T) {
	dir := tinyModelDir(t)
	for _, dtype := range []string{"fp32", "bf16"} {
		code, out, errOut := runCLI(t, "bench", "--model", dir, "--dtype", dtype, "--threads", "2", "--batch", "2",
			"--runs", "2", "--labels", "3", "--json", "--torch", filepath.Join(t.TempDir(), "missing.py"))
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", dtype, code, errOut)
		}
		var r map[string]any
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("%s: not one JSON object: %v\n%s", dtype, err, out)
		}
		for _, key := range []string{"window_s_median", "text_encode_s", "threads", "dtype", "batch", "device", "windows_per_s", "latency_ms", "gemm_gflops",
			"roofline_ratio", "window_gflop", "peak_rss_mb", "cpu_s_median"} {
			if _, ok := r[key]; !ok {
				t.Errorf("%s: no %q in %s", dtype, key, out)
			}
		}
		if r["dtype"] != dtype || r["threads"] != 2.0 || r["batch"] != 2.0 || r["streams"] != 1.0 {
			t.Errorf("%s: dtype %v threads %v batch %v streams %v", dtype, r["dtype"], r["threads"], r["batch"], r["streams"])
		}
		if w, _ := r["window_s_median"].(float64); !(w > 0) {
			t.Errorf("%s: window_s_median %v", dtype, r["window_s_median"])
		}
		if g, _ := r["gemm_gflops"].(float64); !(g > 0) {
			t.Errorf("%s: gemm_gflops %v", dtype, r["gemm_gflops"])
		}
		if b, _ := r["backend"].(string); dtype == "bf16" && !strings.HasSuffix(b, "/bf16") {
			t.Errorf("backend %q for bf16", b)
		}
		if u, _ := r["torch_unavailable"].(string); u == "" {
			t.Errorf("%s: a missing PyTorch script is not reported: %s", dtype, out)
		}
	}
}

// TestBenchText checks the human-readable report and --streams.
func TestBenchText(t *testing.T) {
	code, out, errOut := runCLI(t, "bench", "--model", tinyModelDir(t), "--runs", "1", "--streams", "2", "--roofline=false")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"window", "text encode", "streams 2", "peak RSS"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
}

func TestBenchUsage(t *testing.T) {
	dir := tinyModelDir(t)
	for _, args := range [][]string{
		{"bench"},
		{"bench", "--model", dir, "--device", "cuda"},
		{"bench", "--model", dir, "--dtype", "fp16"},
		{"bench", "--model", dir, "--batch", "0"},
		{"bench", "--model", dir, "extra"},
		{"bench", "--model", dir, "--torch-threads", "x"},
	} {
		if code, _, errOut := runCLI(t, args...); code != 2 {
			t.Errorf("%q: exit %d, want 2 (%s)", args, code, errOut)
		}
	}
}

// TestBenchTorchRounds runs the side-by-side comparison against a stand-in for the PyTorch reference
// (a shell script in the role of python3: it "imports torch" and prints the reference's JSON line,
// faster with 2 threads), and checks that its runs alternate with ours in rounds and that the best
// thread setting and the speed-up are taken from them.
func TestBenchTorchRounds(t *testing.T) {
	dir := t.TempDir()
	py := filepath.Join(dir, "python3")
	script := `#!/bin/sh
if [ "$1" = "-c" ]; then
	case "$2" in *perf_counter*) echo 123.0 ;; esac
	exit 0
fi
threads=1
while [ $# -gt 0 ]; do
	[ "$1" = "--threads" ] && threads=$2
	shift
done
echo "loading..."
echo "{\"peer\": \"stand-in\", \"threads\": $threads, \"batch\": 1, \"window_s_median\": $(echo "scale=3; 10 / $threads" | bc), \"window_s_min\": 1, \"text_encode_s\": 0.5}"
`
	if err := os.WriteFile(py, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	ref := filepath.Join(dir, "torch_xclip.py")
	if err := os.WriteFile(ref, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "bench", "--model", tinyModelDir(t), "--runs", "2", "--rounds", "3", "--labels", "2",
		"--roofline=false", "--json", "--torch", ref, "--python", py, "--torch-threads", "1,2", "--torch-runs", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r struct {
		Rounds        int       `json:"rounds"`
		WindowS       []float64 `json:"window_s"`
		WindowSMedian float64   `json:"window_s_median"`
		Torch         []struct {
			Round, Threads int
		} `json:"torch"`
		TorchBestS       float64   `json:"torch_window_s_best"`
		TorchThreads     int       `json:"torch_threads_best"`
		TorchSpeedup     float64   `json:"torch_speedup"`
		RoundSpeedups    []float64 `json:"round_speedups"`
		TorchGemm        float64   `json:"torch_gemm_gflops"`
		TorchUnavailable string    `json:"torch_unavailable"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if r.TorchUnavailable != "" {
		t.Fatalf("reference not run: %s", r.TorchUnavailable)
	}
	if r.Rounds != 3 || len(r.WindowS) != 6 || len(r.Torch) != 6 || len(r.RoundSpeedups) != 3 {
		t.Fatalf("rounds %d, %d runs, %d reference runs, %d round speed-ups; want 3, 6, 6, 3:\n%s",
			r.Rounds, len(r.WindowS), len(r.Torch), len(r.RoundSpeedups), out)
	}
	for i, tr := range r.Torch {
		if tr.Round != i/2 || tr.Threads != 1+i%2 {
			t.Errorf("reference run %d: round %d threads %d, want round %d threads %d", i, tr.Round, tr.Threads, i/2, 1+i%2)
		}
	}
	if r.TorchThreads != 2 || r.TorchBestS != 5 || r.TorchGemm != 123 {
		t.Errorf("best setting: threads %d, %.3f s, GEMM %.0f GFLOP/s; want 2, 5 s, 123", r.TorchThreads, r.TorchBestS, r.TorchGemm)
	}
	if want := 5 / r.WindowSMedian; math.Abs(r.TorchSpeedup-want) > 1e-9*want {
		t.Errorf("speed-up %.4g, want %.4g", r.TorchSpeedup, want)
	}
}

// TestSpeedupText: a speed-up below 1 is printed as "slower" with its inverse.
func TestSpeedupText(t *testing.T) {
	for _, c := range []struct {
		s    float64
		want string
	}{{1.35, "1.35x faster"}, {1, "1.00x faster"}, {0.74, "1.35x slower"}, {0.5, "2.00x slower"}} {
		if got := speedupText(c.s); got != c.want {
			t.Errorf("speedupText(%v) = %q, want %q", c.s, got, c.want)
		}
	}
}

// TestBenchTorchBF16: with --dtype bf16 the reference runs with --dtype bf16 too (the stand-in
// interpreter records what it was asked), in every round, and its bf16 GEMM rate is probed and
// printed; the text output names the formats. With fp32 it is asked for fp32.
func TestBenchTorchBF16(t *testing.T) {
	dir := t.TempDir()
	py := filepath.Join(dir, "python3")
	script := `#!/bin/sh
if [ "$1" = "-c" ]; then
	case "$2" in *bfloat16*) echo 456.0 ;; *perf_counter*) echo 123.0 ;; esac
	exit 0
fi
threads=1
dtype=none
while [ $# -gt 0 ]; do
	[ "$1" = "--threads" ] && threads=$2
	[ "$1" = "--dtype" ] && dtype=$2
	shift
done
echo "{\"peer\": \"stand-in\", \"dtype\": \"$dtype\", \"threads\": $threads, \"batch\": 1, \"window_s_median\": 2, \"window_s_min\": 1, \"text_encode_s\": 0.5}"
`
	if err := os.WriteFile(py, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	ref := filepath.Join(dir, "torch_xclip.py")
	if err := os.WriteFile(ref, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, dt := range []string{"bf16", "fp32"} {
		args := []string{"bench", "--model", tinyModelDir(t), "--dtype", dt, "--runs", "1", "--rounds", "2", "--labels", "2",
			"--roofline=false", "--torch", ref, "--python", py, "--torch-threads", "1", "--torch-runs", "1"}
		code, out, errOut := runCLI(t, append(args, "--json")...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", dt, code, errOut)
		}
		var r struct {
			DType      string `json:"dtype"`
			AMX        string `json:"amx"`
			TorchDType string `json:"torch_dtype"`
			Torch      []struct {
				DType string `json:"dtype"`
			} `json:"torch"`
			TorchGemmBF16 float64 `json:"torch_gemm_bf16_gflops"`
			TorchSpeedup  float64 `json:"torch_speedup"`
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("%s: not JSON: %v\n%s", dt, err, out)
		}
		if r.DType != dt || r.TorchDType != dt || len(r.Torch) != 2 || r.TorchSpeedup <= 0 || r.AMX == "" {
			t.Fatalf("%s: dtype %q, reference dtype %q, %d reference runs, speed-up %v, AMX %q:\n%s",
				dt, r.DType, r.TorchDType, len(r.Torch), r.TorchSpeedup, r.AMX, out)
		}
		for i, tr := range r.Torch {
			if tr.DType != dt {
				t.Errorf("%s: reference run %d was asked for --dtype %q", dt, i, tr.DType)
			}
		}
		if want := map[string]float64{"bf16": 456, "fp32": 0}[dt]; r.TorchGemmBF16 != want {
			t.Errorf("%s: reference bf16 GEMM %v GFLOP/s, want %v", dt, r.TorchGemmBF16, want)
		}
		code, out, errOut = runCLI(t, args...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", dt, code, errOut)
		}
		if !strings.Contains(out, "stand-in, "+dt+", threads 1") || !strings.Contains(out, "AMX ") ||
			strings.Contains(out, "pytorch bf16") != (dt == "bf16") {
			t.Errorf("%s: text output does not name the formats:\n%s", dt, out)
		}
	}
}

// TestBenchStreams: --streams N runs N engines through one shared scheduler; blocking streams
// classify every window, live ones (--fps) count what they skip, and the report has the per-stream
// figures.
func TestBenchStreams(t *testing.T) {
	const streams, runs = 3, 4
	code, out, errOut := runCLI(t, "bench", "--model", tinyModelDir(t), "--streams", fmt.Sprint(streams), "--runs", fmt.Sprint(runs),
		"--roofline=false", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r benchResult
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.StreamsRun == nil {
		t.Fatalf("not a streams report (%v): %s", err, out)
	}
	s := r.StreamsRun
	if r.Streams != streams || s.BatchSize != engine.DefaultMaxBatch || s.Windows != streams*runs || s.SkippedTotal != 0 || !(s.AggregateWPS > 0) ||
		s.Passes == 0 || s.Passes > s.Windows || !(s.CPUSPerWindow > 0) || s.LargestBatch > streams || !(r.PeakRSSMB > 0) {
		t.Errorf("blocking streams: %s", out)
	}
	for i := range streams {
		if s.StreamWindows[i] != runs || !(s.LatencyP50MS[i] > 0) || s.LatencyP95MS[i] < s.LatencyP50MS[i] {
			t.Errorf("stream %d: %d windows, p50 %v p95 %v", i, s.StreamWindows[i], s.LatencyP50MS[i], s.LatencyP95MS[i])
		}
	}

	code, out, errOut = runCLI(t, "bench", "--model", tinyModelDir(t), "--streams", "2", "--runs", "6", "--fps", "400",
		"--batch", "2", "--batch-timeout", "1ms", "--roofline=false")
	if code != 0 {
		t.Fatalf("live: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"live streams at 400.0 frames/s", "batch-size 2, batch-timeout 1.0 ms", "stream 1 ", "skipped", "peak RSS"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	if code, _, errOut := runCLI(t, "bench", "--model", tinyModelDir(t), "--streams", "2", "--batch", "65"); code == 0 ||
		!strings.Contains(errOut, "--batch at most 64") {
		t.Errorf("--batch 65 with --streams: exit %d, %s", code, errOut)
	}
}
