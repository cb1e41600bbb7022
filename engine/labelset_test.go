package engine

import (
	"fmt"
	"slices"
	"testing"

	"github.com/xclipfilter/xclipfilter/model"
)

// textClassifier gives each text the features (len(text), 1), so that averages can be checked.
type textClassifier struct {
	fakeClassifier
}

func (f *textClassifier) EncodeLabels(texts []string) (*model.Tensor, error) {
	if _, err := f.fakeClassifier.EncodeLabels(texts); err != nil {
		return nil, err
	}
	out := model.NewTensor(len(texts), 2)
	for i, t := range texts {
		out.Data[2*i], out.Data[2*i+1] = float32(len(t)), 1
	}
	return out, nil
}

// TestSetLabelSet: results carry the set's names; each label's features are its prompts' ensemble;
// encoding goes in chunks of at most labelChunk texts that never split a label's prompts.
func TestSetLabelSet(t *testing.T) {
	var c collector
	fc := &textClassifier{fakeClassifier{t: 1}}
	set := model.LabelSet{Names: []string{"one"}, Prompts: [][]string{{"a"}}}
	for i := range 40 {
		prompts := make([]string, i%7+1)
		for j := range prompts {
			prompts[j] = fmt.Sprintf("label %d prompt %d%s", i, j, string(make([]byte, i*j)))
		}
		set.Names = append(set.Names, fmt.Sprint("label ", i))
		set.Prompts = append(set.Prompts, prompts)
	}
	want := set.Prompts // per label
	e, err := StartLabelSet(fc, Config{FrameInterval: 1, WindowStride: 1, Blocking: true}, set, c.add, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	feed(e, 1, 1)
	e.Drain()
	rs := c.get()
	if len(rs) != 1 || !slices.Equal(rs[0].Labels, set.Names) || len(rs[0].Logits) != len(set.Names) {
		t.Fatalf("results %+v", rs)
	}
	// Chunks: at most labelChunk texts (or one label), a label's prompts together, in order.
	fc.mu.Lock()
	var flat []string
	label := 0
	for _, chunk := range fc.encoded {
		if len(chunk) > labelChunk {
			t.Errorf("a chunk of %d texts", len(chunk))
		}
		for k := 0; k < len(chunk); label++ {
			if label >= len(want) || !slices.Equal(chunk[k:min(k+len(want[label]), len(chunk))], want[label]) {
				t.Fatalf("chunk %q splits or reorders label %d", chunk, label)
			}
			k += len(want[label])
		}
		flat = append(flat, chunk...)
	}
	fc.mu.Unlock()
	if label != len(want) {
		t.Errorf("%d labels encoded, want %d", label, len(want))
	}
	// Features: EnsemblePrompts over each label's prompts.
	feats := e.labels.Load().feats
	for i, prompts := range want {
		one, _ := fc.EncodeLabels(prompts)
		ens, err := model.EnsemblePrompts(one, []int{len(prompts)})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(feats.Data[2*i:2*i+2], ens.Data) {
			t.Errorf("label %d: features %v, want %v", i, feats.Data[2*i:2*i+2], ens.Data)
		}
	}
	// A bad set is refused, the current one staying.
	done := make(chan error, 1)
	e.SetLabelSet(model.LabelSet{Names: []string{"x"}, Prompts: [][]string{{}}}, func(err error) { done <- err })
	if err := <-done; err == nil {
		t.Error("a label without prompts accepted")
	}
	if !slices.Equal(e.Labels(), set.Names) {
		t.Errorf("labels %v after a refused set", e.Labels())
	}
}
