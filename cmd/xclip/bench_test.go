package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
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
