package model_test

import (
	"math"
	"testing"

	"github.com/xclipfilter/xclipfilter/internal/golden"
	"github.com/xclipfilter/xclipfilter/model"
)

// TestClassifyBatchMatchesSingle checks that windows classified together, each against its own label
// set, get the logits they get alone: batching across streams must not change a result.
func TestClassifyBatchMatchesSingle(t *testing.T) {
	dir := golden.Checkpoint(t, "xclip-tiny-a")
	c, err := model.NewClassifier(dir, model.Options{Backend: model.NewCPUBackend(0)})
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
