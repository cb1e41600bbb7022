package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestClassifyLabelsFile: --labels-file reads the element's labels file format — plain labels through
// the template, named labels with their prompts as written — and refuses a bad line naming it.
func TestClassifyLabelsFile(t *testing.T) {
	dir := tinyModelDir(t)
	tmp := t.TempDir()
	big := tinyPNG(t, tmp, "big.png", 90, 40)
	file := filepath.Join(tmp, "colours.labels")
	if err := os.WriteFile(file, []byte("# colours\nred\npink: a photo of pink\nblue: a photo of blue | a blue picture [0.5]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	classify := func(args ...string) classifyResult {
		t.Helper()
		code, out, errOut := runCLI(t, append([]string{"classify", "--model", dir, "--json", "--template", "a photo of {}"}, append(args, big)...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		var r classifyResult
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	got := classify("--labels-file", file)
	if !slices.Equal(got.Labels, []string{"red", "pink", "blue"}) || len(got.Logits) != 3 {
		t.Fatalf("labels %v, logits %v", got.Labels, got.Logits)
	}
	// "red" (template) and "pink" (one prompt, as written) score as --labels does.
	want := classify("--labels", "red;pink")
	for i := range 2 {
		if math.Abs(float64(got.Logits[i]-want.Logits[i])) > 1e-5 {
			t.Errorf("%s: logit %v from the file, %v from --labels", got.Labels[i], got.Logits[i], want.Logits[i])
		}
	}
	if bad := filepath.Join(tmp, "bad.labels"); os.WriteFile(bad, []byte("red\nblue: [0.5]\n"), 0o644) == nil {
		code, _, errOut := runCLI(t, "classify", "--model", dir, "--labels-file", bad, big)
		if code != 1 || !strings.Contains(errOut, bad+": line 2: label \"blue\": prompt 1 is empty") {
			t.Errorf("bad file: exit %d, %q", code, errOut)
		}
	}
	code, _, errOut := runCLI(t, "classify", "--model", dir, "--labels", "a", "--labels-file", file, big)
	if code != 2 || !strings.Contains(errOut, "--labels and --labels-file are both set") {
		t.Errorf("both: exit %d, %q", code, errOut)
	}
}
