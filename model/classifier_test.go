package model_test

import (
	"math"
	"testing"

	"github.com/xclipfilter/xclipfilter/cpu"
	"github.com/xclipfilter/xclipfilter/internal/golden"
	"github.com/xclipfilter/xclipfilter/model"
)

// TestEncodeLabelsBoundedCache: with a cache smaller than the label set, every label's features are
// still those of a fresh encoding, and the cache never grows past its bound.
func TestEncodeLabelsBoundedCache(t *testing.T) {
	dir := golden.Checkpoint(t, "xclip-tiny-a")
	c, err := model.NewClassifier(dir, model.Options{Backend: cpu.New(cpu.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	labels := []string{"a dog", "a cat", "a red ball", "people dancing", "a car"}
	want, err := c.EncodeLabels(labels) // the default cache holds all five
	if err != nil {
		t.Fatal(err)
	}
	model.SetLabelCache(c, 2)
	for round := range 3 {
		got, err := c.EncodeLabels(append(labels, "a dog"))
		if err != nil {
			t.Fatal(err)
		}
		p := c.Model.Config.ProjectionDim
		for i := range labels {
			for j := range p {
				// A batch of other labels may round differently (GEMM tiles follow the row count).
				if math.Abs(float64(got.Data[i*p+j]-want.Data[i*p+j])) > 1e-5 {
					t.Fatalf("round %d, label %q differs from a fresh encoding", round, labels[i])
				}
			}
		}
		if got.Data[5*p] != got.Data[0] {
			t.Errorf("round %d: a repeated label differs", round)
		}
		if model.LabelCacheLen(c) > 2 {
			t.Errorf("cache holds %d entries, bound 2", model.LabelCacheLen(c))
		}
	}
}
