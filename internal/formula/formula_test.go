package formula

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/xclipfilter/xclipfilter/internal/golden"
	"github.com/xclipfilter/xclipfilter/model"
)

// TestWithWeights: a folder with checkpoint files keeps its options; a folder with only a manifest
// gets its formula weights, which generate each tensor on demand.
func TestWithWeights(t *testing.T) {
	tiny := golden.Checkpoint(t, "xclip-tiny-a")
	opts, err := WithWeights(tiny, model.Options{})
	if err != nil || opts.Weights != nil {
		t.Fatalf("tiny checkpoint: weights %v, error %v", opts.Weights, err)
	}
	dir := t.TempDir()
	manifest := `{"tensors": [{"name": "a", "shape": [2, 3], "k": 4, "offset": 0.5, "scale": 2}],
		"pixel_values": {"name": "pixel_values", "shape": [1], "k": 1, "offset": 0, "scale": 1}}`
	if err := os.WriteFile(filepath.Join(dir, ManifestName), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	opts, err = WithWeights(dir, model.Options{})
	if err != nil || opts.Weights == nil {
		t.Fatalf("manifest: weights %v, error %v", opts.Weights, err)
	}
	f := opts.Weights
	if shape, ok := f.Shape("a"); !ok || len(shape) != 2 || shape[0] != 2 || shape[1] != 3 || f.DType("a") != "F32" {
		t.Fatalf("tensor a: shape %v %v, dtype %q", shape, ok, f.DType("a"))
	}
	got, err := f.ReadFloat32("a", nil)
	if err != nil || len(got) != 6 {
		t.Fatalf("ReadFloat32: %v, %v", got, err)
	}
	want := make([]float32, 6)
	Entry{Shape: []int{2, 3}, K: 4, Offset: 0.5, Scale: 2}.Fill(want)
	for i := range want {
		if got[i] != want[i] || got[i] < -1.5 || got[i] > 2.5 {
			t.Errorf("a[%d] = %v, want %v in [offset-scale, offset+scale]", i, got[i], want[i])
		}
	}
	if _, err := f.ReadFloat32("b", nil); err == nil {
		t.Error("a tensor the manifest lacks was read")
	}
	if err := os.WriteFile(filepath.Join(dir, ManifestName), []byte(`{"tensors": [{"name": "a", "shape": [-1]}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := WithWeights(dir, model.Options{}); err == nil {
		t.Error("a negative dimension was accepted")
	}
}
