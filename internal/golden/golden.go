// Package golden locates the peer implementation's reference outputs (Hugging Face transformers 5.17,
// ../shared/golden) for tests.
//
// Two kinds of data:
//
//   - Fixtures, which the repository carries in testdata/ (the tiny random checkpoints with their
//     golden outputs, the tokenizer golden, a subset of the image-processor golden cases, the CLIP
//     vocabulary): tests of them always run. They read the originals from the XCLIP_GOLDEN folder when
//     the variable is set (TestTestdataMatchesGolden then checks that the copies are identical), and
//     the repository's copies otherwise, so that a fresh clone proves the numerics by itself.
//   - The real-size configurations, which only XCLIP_GOLDEN has (Dir): their tests skip when it is
//     unset and fail when it is set but the data is missing, so that CI, which sets it, can never pass
//     by skipping.
package golden

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// EnvVar names the golden folder.
const EnvVar = "XCLIP_GOLDEN"

// Dir returns the golden folder joined with elem, skipping the test when EnvVar is unset and failing it
// when EnvVar is set but the path does not exist. For data only the golden folder has.
func Dir(t testing.TB, elem ...string) string {
	t.Helper()
	root := os.Getenv(EnvVar)
	if root == "" {
		t.Skipf("%s is not set: golden comparison skipped", EnvVar)
	}
	p := filepath.Join(append([]string{root}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s=%s is set but golden data is missing: %v", EnvVar, root, err)
	}
	return p
}

// Fixture returns a fixture the repository carries: elem under the golden folder when EnvVar is set,
// else under the repository's testdata/ (where processor-golden.safetensors holds a subset of the
// original's cases). A missing fixture fails the test: it never skips.
func Fixture(t testing.TB, elem ...string) string {
	t.Helper()
	if root := os.Getenv(EnvVar); root != "" {
		return Dir(t, elem...)
	}
	p := filepath.Join(append([]string{Testdata(t)}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("fixture missing from the repository's testdata: %v", err)
	}
	return p
}

// CLIPVocab returns OpenAI's bpe_simple_vocab_16e6.txt.gz: beside the golden folder
// ($XCLIP_GOLDEN/../data/clip) when EnvVar is set, else the repository's testdata/clip.
func CLIPVocab(t testing.TB) string {
	t.Helper()
	if os.Getenv(EnvVar) != "" {
		return Dir(t, "..", "data", "clip", VocabFile)
	}
	return Fixture(t, "clip", VocabFile)
}

// VocabFile is the name of CLIP's BPE vocabulary.
const VocabFile = "bpe_simple_vocab_16e6.txt.gz"

// Testdata returns the repository's testdata folder, found from the working directory (a package
// folder under go test) by walking up to go.mod.
func Testdata(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "testdata")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("no go.mod above the working directory: cannot find the repository's testdata")
		}
		dir = parent
	}
}

// Checkpoint returns a golden checkpoint folder by name: the tiny random ones (xclip-tiny-*), which
// the repository carries, through Fixture; the real-size configurations through Dir.
func Checkpoint(t testing.TB, name string) string {
	t.Helper()
	if strings.HasPrefix(name, "xclip-tiny-") {
		return Fixture(t, name)
	}
	return Dir(t, name)
}
