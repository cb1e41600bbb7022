package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xclipfilter/xclipfilter/model/hub/hubtest"
)

// fakeHub publishes the tiny-a checkpoint as org/xclip-tiny and a dataset file, and points the
// environment (HF_ENDPOINT, HF_HUB_CACHE) at them.
func fakeHub(t *testing.T) (s *hubtest.Server, folder string) {
	t.Helper()
	folder = tinyModelDir(t)
	files, err := hubtest.Dir(folder)
	if err != nil {
		t.Fatal(err)
	}
	delete(files, "golden.safetensors")
	s = hubtest.New(t)
	s.Add("model", "org/xclip-tiny", "main", files)
	s.Add("dataset", "org/clips", "main", map[string]hubtest.File{"clip.npy": {Data: []byte("not really numpy"), LFS: true}})
	t.Setenv("HF_ENDPOINT", s.Endpoint())
	t.Setenv("HF_HUB_CACHE", t.TempDir())
	t.Setenv("HF_TOKEN", "")
	t.Setenv("HF_HUB_OFFLINE", "")
	return s, folder
}

// TestDownloadCommand: `xclip download ID` prints the snapshot folder and nothing else on stdout,
// progress on stderr; a failure exits 1 with the reason; --dataset --file fetches a dataset's file.
func TestDownloadCommand(t *testing.T) {
	_, folder := fakeHub(t)
	code, out, errOut := runCLI(t, "download", "org/xclip-tiny")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], os.Getenv("HF_HUB_CACHE")) {
		t.Fatalf("stdout %q, want one line: the snapshot folder", out)
	}
	dir := lines[0]
	for _, f := range []string{"config.json", "model.safetensors", "tokenizer.json", "preprocessor_config.json"} {
		a, err1 := os.ReadFile(filepath.Join(dir, f))
		b, err2 := os.ReadFile(filepath.Join(folder, f))
		if err1 != nil || err2 != nil || string(a) != string(b) {
			t.Errorf("%s in the snapshot differs from the published file (%v, %v)", f, err1, err2)
		}
	}
	if !strings.Contains(errOut, "downloading model.safetensors") || !strings.Contains(errOut, "(100%)") {
		t.Errorf("stderr has no progress: %q", errOut)
	}

	// Again: cached, same folder, nothing downloaded.
	code, out2, errOut := runCLI(t, "download", "org/xclip-tiny@main")
	if code != 0 || out2 != out || strings.Contains(errOut, "downloading") {
		t.Errorf("second download: exit %d, stdout %q (want %q), stderr %q", code, out2, out, errOut)
	}

	code, out, errOut = runCLI(t, "download", "org/missing")
	if code != 1 || out != "" || !strings.Contains(errOut, `"org/missing" not found`) {
		t.Errorf("missing repository: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, _, errOut = runCLI(t, "download", "../etc")
	if code != 2 || !strings.Contains(errOut, "not a hub id") {
		t.Errorf("bad id: exit %d, stderr %q", code, errOut)
	}

	code, out, errOut = runCLI(t, "download", "--dataset", "org/clips", "--file", "clip.npy")
	if code != 0 {
		t.Fatalf("dataset: exit %d: %s", code, errOut)
	}
	if b, err := os.ReadFile(filepath.Join(strings.TrimSpace(out), "clip.npy")); err != nil || string(b) != "not really numpy" {
		t.Errorf("dataset file: %q, %v", b, err)
	}
	if !strings.Contains(out, "datasets--org--clips") {
		t.Errorf("dataset snapshot %q is not in datasets--org--clips", out)
	}
}

// TestModelByHubID: classify and info take a hub id, and classify gives the logits of the folder.
func TestModelByHubID(t *testing.T) {
	_, folder := fakeHub(t)
	frameDir := t.TempDir()
	var files []string
	for i := range 3 {
		pix := make([]byte, 48*40*3)
		for j := range pix {
			pix[j] = byte(j*5 + i*40)
		}
		p := filepath.Join(frameDir, fmt.Sprintf("f%d.png", i))
		writePNG(t, p, pix, 40, 48)
		files = append(files, p)
	}
	logits := func(m string) []float64 {
		t.Helper()
		code, out, errOut := runCLI(t, append([]string{"classify", "--model", m, "--labels", "a dog;a cat;a car", "--json"}, files...)...)
		if code != 0 {
			t.Fatalf("classify --model %s: exit %d: %s", m, code, errOut)
		}
		var r struct{ Logits []float64 }
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("classify printed %q: %v", out, err)
		}
		return r.Logits
	}
	byID, byFolder := logits("org/xclip-tiny"), logits(folder)
	if fmt.Sprint(byID) != fmt.Sprint(byFolder) {
		t.Errorf("logits by hub id %v, by folder %v", byID, byFolder)
	}
	code, out, errOut := runCLI(t, "info", "--model", "org/xclip-tiny", "--json")
	if code != 0 || !strings.Contains(out, `"num_frames":3`) {
		t.Errorf("info by hub id: exit %d, %q, %s", code, out, errOut)
	}
	t.Setenv("HF_HUB_OFFLINE", "1")
	code, _, errOut = runCLI(t, "info", "--model", "org/other-model")
	if code != 1 || !strings.Contains(errOut, "HF_HUB_OFFLINE") || !strings.Contains(errOut, "org/other-model") {
		t.Errorf("offline, uncached: exit %d, %s", code, errOut)
	}
}
