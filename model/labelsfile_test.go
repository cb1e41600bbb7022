package model

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestParseLabelSet: the labels file syntax — plain labels, named prompts, thresholds, comments.
func TestParseLabelSet(t *testing.T) {
	text := "# cameras\n\n  nobody  \n" +
		"a fall: a person falling down | someone collapsing to the floor |a fall [0.5/0.3]\n" +
		"a fight [0.7]\n" +
		"# time: 12:00 | ignored\n" +
		"a clock: a clock showing 12:00\n"
	got, err := ParseLabelSet(text)
	if err != nil {
		t.Fatal(err)
	}
	want := []Label{
		{Name: "nobody", Entry: NoThreshold, Exit: NoThreshold, Line: 3},
		{Name: "a fall", Prompts: []string{"a person falling down", "someone collapsing to the floor", "a fall"}, Entry: 0.5, Exit: 0.3, Line: 4},
		{Name: "a fight", Entry: 0.7, Exit: NoThreshold, Line: 5},
		{Name: "a clock", Prompts: []string{"a clock showing 12:00"}, Entry: NoThreshold, Exit: NoThreshold, Line: 7},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseLabelSet =\n%+v\nwant\n%+v", got, want)
	}
	s := NewLabelSet("a video of {}", got)
	wantSet := LabelSet{
		Names: []string{"nobody", "a fall", "a fight", "a clock"},
		Prompts: [][]string{{"a video of nobody"}, {"a person falling down", "someone collapsing to the floor", "a fall"},
			{"a video of a fight"}, {"a clock showing 12:00"}},
	}
	if !reflect.DeepEqual(s, wantSet) || s.NumPrompts() != 6 || s.Check() != nil {
		t.Errorf("NewLabelSet = %+v (%d prompts, %v), want %+v", s, s.NumPrompts(), s.Check(), wantSet)
	}
	// A file of plain labels (the format before prompt ensembling) reads as it always did.
	old, err := ParseLabelSet("# cameras\n\n a fall \nnobody\n#x\n")
	if err != nil || !reflect.DeepEqual(NewLabelSet("{}", old), PlainLabelSet("{}", []string{"a fall", "nobody"})) {
		t.Errorf("plain file: %+v, %v", old, err)
	}
	if p := PlainLabelSet("{}", []string{"a", "b"}); !reflect.DeepEqual(p, LabelSet{Names: []string{"a", "b"}, Prompts: [][]string{{"a"}, {"b"}}}) {
		t.Errorf("PlainLabelSet = %+v", p)
	}
}

// TestParseLabelSetErrors: every refusal names the line and the problem.
func TestParseLabelSetErrors(t *testing.T) {
	many := func(n int, line func(i int) string) string {
		var b strings.Builder
		for i := range n {
			b.WriteString(line(i) + "\n")
		}
		return b.String()
	}
	prompts := make([]string, MaxPromptsPerLabel+1)
	for i := range prompts {
		prompts[i] = fmt.Sprintf("p%d", i)
	}
	long := strings.Repeat("x", MaxLabelBytes+1)
	for _, c := range []struct {
		text string
		line int
		want string
	}{
		{"a\n\nb | c\n", 3, `need a label name first`},
		{"a\n: x | y\n", 2, "no label name"},
		{"[0.5]\n", 1, "no label name"},
		{"a fall:\n", 1, `label "a fall": prompt 1 is empty`},
		{"a fall: x || y\n", 1, `prompt 2 is empty`},
		{"a fall: x | y |\n", 1, `prompt 3 is empty`},
		{"a [1.5]\n", 1, `"1.5" is not a score between 0 and 1`},
		{"a [high]\n", 1, `"high" is not a score`},
		{"a: x [0.5/]\n", 1, `"" is not a score`},
		{"a: x [0.3/0.5]\n", 1, "exit 0.5 is above entry 0.3"},
		{"#\nnobody\na fall: x\nnobody [0.9]\n", 4, `label "nobody" repeats line 2`},
		{"a: " + strings.Join(prompts, "|") + "\n", 1, fmt.Sprintf("more than %d prompts", MaxPromptsPerLabel)},
		{long + "\n", 1, "label name is 1025 bytes long"},
		{"a: x | " + long + "\n", 1, "prompt 2 is 1025 bytes long"},
		{many(MaxLabels+1, func(i int) string { return fmt.Sprint("l", i) }), MaxLabels + 1, "1001 labels: at most 1000 are allowed"},
		{many(MaxPrompts/MaxPromptsPerLabel+1, func(i int) string { return fmt.Sprintf("l%d: %s", i, strings.Join(prompts[:MaxPromptsPerLabel], "|")) }),
			MaxPrompts/MaxPromptsPerLabel + 1, fmt.Sprintf("%d prompts: at most %d are allowed in all", MaxPrompts+MaxPromptsPerLabel, MaxPrompts)},
	} {
		_, err := ParseLabelSet(c.text)
		var le *LineError
		if !errors.As(err, &le) || le.Line != c.line || !strings.Contains(err.Error(), c.want) ||
			!strings.HasPrefix(err.Error(), fmt.Sprintf("line %d: ", c.line)) {
			t.Errorf("%.60q: %v, want line %d and %q", c.text, err, c.line, c.want)
		}
	}
	for _, text := range []string{"", "\n# only a comment\n  \n"} {
		if _, err := ParseLabelSet(text); !errors.Is(err, ErrNoLabels) {
			t.Errorf("%q: %v", text, err)
		}
	}
	// At the limits: accepted.
	if _, err := ParseLabelSet(many(MaxLabels, func(i int) string { return fmt.Sprint("l", i) })); err != nil {
		t.Errorf("%d labels: %v", MaxLabels, err)
	}
	if _, err := ParseLabelSet("a: " + strings.Join(prompts[:MaxPromptsPerLabel], "|")); err != nil {
		t.Errorf("%d prompts: %v", MaxPromptsPerLabel, err)
	}
}

// TestReadLabelsFile: errors name the file and the line; a directory is refused.
func TestReadLabelsFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "cameras.labels")
	if err := os.WriteFile(p, []byte("nobody\na fall: x [2]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadLabelsFile(p); err == nil || !strings.Contains(err.Error(), "labels file "+p+": line 2: thresholds [2]") {
		t.Errorf("bad line: %v", err)
	}
	if err := os.WriteFile(p, []byte("# nothing\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadLabelsFile(p); !errors.Is(err, ErrNoLabels) || !strings.Contains(err.Error(), "labels file "+p+" has no labels") {
		t.Errorf("no labels: %v", err)
	}
	if _, err := ReadLabelsFile(dir); err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("a directory: %v", err)
	}
	// The example of the repository parses.
	labels, err := ReadLabelsFile(filepath.Join("..", "examples", "labels", "fall.labels"))
	if err != nil || len(labels) < 3 {
		t.Errorf("examples/labels/fall.labels: %d labels, %v", len(labels), err)
	}
}
