package model

import (
	"fmt"
	"strings"
	"testing"
)

func TestCheckLabels(t *testing.T) {
	many := make([]string, MaxLabels+1)
	for i := range many {
		many[i] = fmt.Sprintf("label %d", i)
	}
	for _, c := range []struct {
		labels []string
		want   string
	}{
		{nil, "no labels"},
		{many, "1001 labels: at most 1000"},
		{[]string{"a", strings.Repeat("x", MaxLabelBytes+1)}, "label 2 is 1025 bytes long"},
		{[]string{"a dog", "a cat", "a dog"}, `label 3 "a dog" repeats label 1`},
	} {
		err := CheckLabels(c.labels)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("CheckLabels(%d labels) = %v, want %q", len(c.labels), err, c.want)
		}
	}
	if err := CheckLabels(many[:MaxLabels]); err != nil {
		t.Errorf("%d labels: %v", MaxLabels, err)
	}
	if err := CheckLabels([]string{strings.Repeat("x", MaxLabelBytes)}); err != nil {
		t.Errorf("a label of %d bytes: %v", MaxLabelBytes, err)
	}
}

func TestLabelCacheLRU(t *testing.T) {
	c := newLabelCache(2)
	c.put("a", []float32{1})
	c.put("b", []float32{2})
	c.get("a") // b is now the least recently used
	c.put("c", []float32{3})
	if _, ok := c.get("b"); ok || c.len() != 2 {
		t.Errorf("b still cached (%d entries)", c.len())
	}
	for _, k := range []string{"a", "c"} {
		if _, ok := c.get(k); !ok {
			t.Errorf("%s evicted", k)
		}
	}
}

// TestParseLabels: the one parser of label lists and files (element and CLI), and prompt templating.
func TestParseLabels(t *testing.T) {
	if got := SplitLabels(" a fall ;;nobody; "); len(got) != 2 || got[0] != "a fall" || got[1] != "nobody" {
		t.Errorf("SplitLabels = %q", got)
	}
	if _, err := ParseLabels(" ; ;"); err == nil || !strings.Contains(err.Error(), "has no label") {
		t.Errorf("empty list: %v", err)
	}
	if _, err := ParseLabels("a;b;a"); err == nil || !strings.Contains(err.Error(), `label 3 "a" repeats label 1`) {
		t.Errorf("duplicate: %v", err)
	}
	if got := Prompts("a video of {}", []string{"a fall", "é"}); got[0] != "a video of a fall" || got[1] != "a video of é" {
		t.Errorf("Prompts = %q", got)
	}
}
