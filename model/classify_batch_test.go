package model_test

import (
	"math"
	"strings"
	"testing"

	"github.com/xclipfilter/xclipfilter/cpu"
	"github.com/xclipfilter/xclipfilter/internal/golden"
	"github.com/xclipfilter/xclipfilter/model"
)

// TestClassifyBatchMatchesSingle checks that windows classified together, each against its own label
// set, get the logits they get alone: batching across streams must not change a result.
func TestClassifyBatchMatchesSingle(t *testing.T) {
	dir := golden.Checkpoint(t, "xclip-tiny-a")
	c, err := model.NewClassifier(dir, model.Options{Backend: cpu.New(cpu.Options{Threads: 0})})
	if err != nil {
		t.Fatal(err)
	}
	vc := c.Model.Config.Vision
	per := vc.NumFrames * vc.NumChannels * vc.ImageSize * vc.ImageSize
	pixels := make([]float32, 3*per)
	for i := range pixels {
		pixels[i] = float32(math.Sin(float64(i) * 0.37))
	}
	a, err := c.EncodeLabels([]string{"a cat", "a dog"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.EncodeLabels([]string{"a fall", "a fight", "nobody"})
	if err != nil {
		t.Fatal(err)
	}
	sets := []*model.Tensor{a, b, a}
	batch, err := c.ClassifyBatch(pixels, sets)
	if err != nil {
		t.Fatal(err)
	}
	for i, set := range sets {
		one, err := c.Classify(pixels[i*per:(i+1)*per], set)
		if err != nil {
			t.Fatal(err)
		}
		if len(one) != len(batch[i]) {
			t.Fatalf("window %d: %d logits batched, %d alone", i, len(batch[i]), len(one))
		}
		for k := range one {
			if d := math.Abs(float64(one[k] - batch[i][k])); d > 1e-4 {
				t.Errorf("window %d label %d: batched %v, alone %v", i, k, batch[i][k], one[k])
			}
		}
	}
	if _, err := c.ClassifyBatch(pixels[:2*per], sets); err == nil {
		t.Error("3 label sets for 2 windows of pixels: no error")
	}
}

// TestClassifyBatchRefusesBadLabels: label features that are missing or of the wrong width are refused
// with the window's number, before any work.
func TestClassifyBatchRefusesBadLabels(t *testing.T) {
	c, err := model.NewClassifier(golden.Checkpoint(t, "xclip-tiny-a"), model.Options{Backend: cpu.New(cpu.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	vc := c.Model.Config.Vision
	pixels := make([]float32, 2*vc.NumFrames*vc.NumChannels*vc.ImageSize*vc.ImageSize)
	good, err := c.EncodeLabels([]string{"a cat"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		second *model.Tensor
		want   string
	}{
		{nil, "window 2 of 2: no label features"},
		{model.NewTensor(1, 3), "window 2 of 2: label features of shape [1 3]"},
		{model.NewTensor(0, c.Model.Config.ProjectionDim), "window 2 of 2: no labels"},
	} {
		_, err := c.ClassifyBatch(pixels, []*model.Tensor{good, tc.second})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want %q", err, tc.want)
		}
	}
}

// TestLoadNeedsBackend: a nil Options.Backend is an error that says what to pass, not a panic.
func TestLoadNeedsBackend(t *testing.T) {
	_, err := model.Load(golden.Checkpoint(t, "xclip-tiny-a"), model.Options{})
	if err == nil || !strings.Contains(err.Error(), "Options.Backend is nil") {
		t.Errorf("Load without a backend: %v", err)
	}
}
