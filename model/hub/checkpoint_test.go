package hub_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/xclipfilter/xclipfilter/cpu"
	"github.com/xclipfilter/xclipfilter/internal/golden"
	"github.com/xclipfilter/xclipfilter/model"
	"github.com/xclipfilter/xclipfilter/model/hub"
	"github.com/xclipfilter/xclipfilter/model/hub/hubtest"
	"github.com/xclipfilter/xclipfilter/model/preprocess"
)

// serveTiny publishes the golden tiny-a checkpoint as org/xclip-tiny on a fake hub.
func serveTiny(t *testing.T) (s *hubtest.Server, folder string) {
	t.Helper()
	folder = golden.Checkpoint(t, "xclip-tiny-a")
	files, err := hubtest.Dir(folder)
	if err != nil {
		t.Fatal(err)
	}
	delete(files, "golden.safetensors") // the test data, not part of a checkpoint
	s = hubtest.New(t)
	s.Add("model", "org/xclip-tiny", "main", files)
	return s, folder
}

// windowLogits classifies one deterministic window with a checkpoint folder.
func windowLogits(t *testing.T, dir string) []float32 {
	t.Helper()
	c, err := model.NewClassifier(dir, model.Options{Backend: cpu.New(cpu.Options{})})
	if err != nil {
		t.Fatalf("loading %s: %v", dir, err)
	}
	frames := make([]preprocess.Frame, c.NumFrames())
	for i := range frames {
		w, h := 80, 60
		pix := make([]byte, 3*w*h)
		for j := range pix {
			pix[j] = byte(j*7 + i*31)
		}
		frames[i] = preprocess.Frame{Pix: pix, Width: w, Height: h, Stride: 3 * w}
	}
	pixels, err := c.Pixels(frames)
	if err != nil {
		t.Fatal(err)
	}
	labels, err := c.EncodeLabels([]string{"a dog", "people dancing", "a red car"})
	if err != nil {
		t.Fatal(err)
	}
	logits, err := c.Classify(pixels, labels)
	if err != nil {
		t.Fatal(err)
	}
	return logits
}

// TestResolveModelTiny: a hub id resolves to a snapshot of symlinks that model.NewClassifier loads and
// that classifies exactly as the folder it was published from; a folder resolves to itself; offline, the
// cached snapshot is found without the hub.
func TestResolveModelTiny(t *testing.T) {
	s, folder := serveTiny(t)
	t.Setenv("HF_ENDPOINT", s.Endpoint())
	t.Setenv("HF_HUB_CACHE", t.TempDir())
	t.Setenv("HF_TOKEN", "")
	t.Setenv("HF_HUB_OFFLINE", "")
	var files []string
	dir, err := hub.ResolveModel(context.Background(), "org/xclip-tiny", func(f string, done, total int64) {
		if done == total {
			files = append(files, f)
		}
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(filepath.Join(dir, "model.safetensors")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("model.safetensors in %s is not a symlink: %v", dir, err)
	}
	if len(files) != 7 { // config.json, model.safetensors, 4 tokenizer files, preprocessor_config.json
		t.Errorf("downloaded %q", files)
	}
	got, want := windowLogits(t, dir), windowLogits(t, folder)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("logits through the hub %v, from the folder %v", got, want)
		}
	}
	if same, err := hub.ResolveModel(context.Background(), folder, nil, nil); err != nil || same != folder {
		t.Errorf("a folder resolved to %q, %v", same, err)
	}
	s.Hub.Close()
	t.Setenv("HF_HUB_OFFLINE", "1")
	if again, err := hub.ResolveModel(context.Background(), "org/xclip-tiny", nil, nil); err != nil || again != dir {
		t.Errorf("offline: %q, %v; want %q", again, err, dir)
	}
	if _, err := hub.ResolveModel(context.Background(), "org/not-cached", nil, nil); err == nil {
		t.Error("offline, uncached: no error")
	}
}
