package model_test

import (
	"math"
	"strings"
	"testing"

	"github.com/xclipfilter/xclipfilter/cpu"
	"github.com/xclipfilter/xclipfilter/internal/golden"
	"github.com/xclipfilter/xclipfilter/model"
)

// testPixels is a deterministic window [T, 3, S, S] for c's model.
func testPixels(c *model.Classifier) []float32 {
	s := c.Model.Config.Vision.ImageSize
	px := make([]float32, c.NumFrames()*3*s*s)
	for i := range px {
		px[i] = float32(math.Sin(float64(i)*0.37)) * 1.5
	}
	return px
}

// TestEnsembleOnePrompt: a label with one prompt keeps that prompt's features bit for bit (and so its
// logits), beside a label whose prompts are averaged.
func TestEnsembleOnePrompt(t *testing.T) {
	c, err := model.NewClassifier(golden.Fixture(t, "xclip-tiny-a"), model.Options{Backend: cpu.New(cpu.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := c.EncodeLabels([]string{"a dog", "a video of a cat"})
	if err != nil {
		t.Fatal(err)
	}
	set := model.LabelSet{Names: []string{"dog", "cat", "ball"}, Prompts: [][]string{{"a dog"}, {"a video of a cat"}, {"a red ball", "a ball"}}}
	got, err := c.EncodeLabelSet(set)
	if err != nil {
		t.Fatal(err)
	}
	p := c.Model.Config.ProjectionDim
	if got.Shape[0] != 3 || got.Shape[1] != p {
		t.Fatalf("shape %v", got.Shape)
	}
	for j := range 2 * p {
		if got.Data[j] != plain.Data[j] {
			t.Fatalf("value %d: %v with one prompt, %v from EncodeLabels", j, got.Data[j], plain.Data[j])
		}
	}
	px := testPixels(c)
	want, err := c.Classify(px, plain)
	if err != nil {
		t.Fatal(err)
	}
	two := &model.Tensor{Shape: []int{2, p}, Data: got.Data[:2*p]}
	logits, err := c.Classify(px, two)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if logits[i] != want[i] {
			t.Errorf("logit %d: %v through EncodeLabelSet, %v through EncodeLabels", i, logits[i], want[i])
		}
	}
}

// TestEnsembleTwoPrompts: several prompts give mean‖f_i‖ · u/‖u‖ with u the mean of the normalised
// features, computed here independently in float64 from each prompt's own encoding.
func TestEnsembleTwoPrompts(t *testing.T) {
	c, err := model.NewClassifier(golden.Fixture(t, "xclip-tiny-a"), model.Options{Backend: cpu.New(cpu.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	prompts := []string{"a person falling down", "someone collapsing to the floor", "a fall"}
	p := c.Model.Config.ProjectionDim
	var feats [][]float64
	for _, pr := range prompts {
		f, err := c.EncodeLabels([]string{pr})
		if err != nil {
			t.Fatal(err)
		}
		row := make([]float64, p)
		for j := range p {
			row[j] = float64(f.Data[j])
		}
		feats = append(feats, row)
	}
	norm := func(v []float64) float64 {
		var s float64
		for _, x := range v {
			s += x * x
		}
		return math.Sqrt(s)
	}
	for _, n := range []int{2, 3} {
		mean := make([]float64, p)
		var meanNorm float64
		for _, f := range feats[:n] {
			nf := norm(f)
			meanNorm += nf / float64(n)
			for j := range p {
				mean[j] += f[j] / nf / float64(n)
			}
		}
		nm := norm(mean)
		got, err := c.EncodeLabelSet(model.LabelSet{Names: []string{"a fall"}, Prompts: [][]string{prompts[:n]}})
		if err != nil {
			t.Fatal(err)
		}
		for j := range p {
			want := mean[j] / nm * meanNorm
			if d := math.Abs(float64(got.Data[j]) - want); d > 1e-6*meanNorm {
				t.Fatalf("%d prompts, value %d: %v, want %v", n, j, got.Data[j], want)
			}
		}
	}
}

// TestEnsembleNormMatters is why EnsemblePrompts restores the prompts' norm: X-CLIP's prompts
// generator adds alpha·generator(text, video) to unnormalised text features, so the same direction
// at another norm gives other logits. A unit-norm average would shift every ensembled label.
func TestEnsembleNormMatters(t *testing.T) {
	c, err := model.NewClassifier(golden.Fixture(t, "xclip-tiny-a"), model.Options{Backend: cpu.New(cpu.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	f, err := c.EncodeLabels([]string{"a dog", "a cat"})
	if err != nil {
		t.Fatal(err)
	}
	p := c.Model.Config.ProjectionDim
	unit := model.NewTensor(2, p)
	for i := range 2 {
		n := l2(f.Data[i*p : (i+1)*p])
		if math.Abs(n-1) < 0.1 {
			t.Fatalf("text features of norm %v: too close to 1 to show anything", n)
		}
		for j := range p {
			unit.Data[i*p+j] = float32(float64(f.Data[i*p+j]) / n)
		}
	}
	px := testPixels(c)
	a, err := c.Classify(px, f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Classify(px, unit)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(float64(a[0]-a[1])-float64(b[0]-b[1])) < 1e-4 {
		t.Errorf("logits %v with the features as encoded, %v normalised: the norm should matter", a, b)
	}
	t.Logf("logits %v as encoded, %v normalised", a, b)
}

func TestEnsemblePromptsShapes(t *testing.T) {
	f := model.NewTensor(3, 2)
	for _, c := range []struct {
		counts []int
		want   string
	}{
		{[]int{1, 1}, "2 prompts counted, 3 rows"},
		{[]int{3, 0}, "label 2 has 0 prompts"},
	} {
		if _, err := model.EnsemblePrompts(f, c.counts); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("counts %v: %v", c.counts, err)
		}
	}
	c := &model.Classifier{}
	if _, err := c.EncodeLabelSet(model.LabelSet{Names: []string{"a"}, Prompts: [][]string{{}}}); err == nil ||
		!strings.Contains(err.Error(), `label 1 "a" has no prompt`) {
		t.Errorf("no prompt: %v", err)
	}
}

// l2 is the Euclidean norm of f, in float64.
func l2(f []float32) float64 {
	var s float64
	for _, v := range f {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s)
}
