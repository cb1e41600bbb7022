package tokenizer

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/xclipfilter/xclipfilter/internal/golden"
)

// TestGoldenStrings checks every golden string's ids and tokens with each loader.
func TestGoldenStrings(t *testing.T) {
	g := readGolden(t)
	for _, src := range sources {
		t.Run(src, func(t *testing.T) {
			tok := goldenTokenizer(t, src)
			for i, s := range g.Strings {
				if got := tok.Encode(s.Text); !slices.Equal(got, s.InputIDs) {
					t.Errorf("string %d %q:\n got  %v\n want %v", i, s.Text, got, s.InputIDs)
					continue
				}
				if got := tok.Tokens(s.Text); !slices.Equal(got, s.Tokens) {
					t.Errorf("string %d %q: tokens\n got  %q\n want %q", i, s.Text, got, s.Tokens)
				}
			}
		})
	}
}

// TestOpenAIMatchesFolderFiles checks that the vocabulary rebuilt from OpenAI's merges file is the one
// the checkpoint ships, id for id and merge for merge, not just on the golden strings.
func TestOpenAIMatchesFolderFiles(t *testing.T) {
	openai := goldenTokenizer(t, srcOpenAI)
	for _, src := range []string{srcJSON, srcVocab} {
		other := goldenTokenizer(t, src)
		if !slices.Equal(openai.tokens, other.tokens) {
			t.Errorf("%s: vocabulary differs from OpenAI's", src)
		}
		if !reflect.DeepEqual(openai.merges, other.merges) {
			t.Errorf("%s: merges differ from OpenAI's", src)
		}
		if openai.byteIDs != other.byteIDs || openai.byteEndIDs != other.byteEndIDs {
			t.Errorf("%s: byte symbol ids differ from OpenAI's", src)
		}
	}
	if n := openai.vocabSize(); n != EOS+1 {
		t.Errorf("vocab size %d, want %d", n, EOS+1)
	}
}

// TestLoadFallsBackToVocabMerges checks that Load uses vocab.json + merges.txt when tokenizer.json is
// absent, and tokenizer.json when present.
func TestLoadFallsBackToVocabMerges(t *testing.T) {
	g := readGolden(t)
	src := golden.Fixture(t, "xclip-tiny-a")
	dir := t.TempDir()
	for _, name := range []string{"vocab.json", "merges.txt"} {
		if err := os.Symlink(filepath.Join(src, name), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{src, dir} {
		tok, err := Load(d)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range g.Strings[:20] {
			if got := tok.Encode(s.Text); !slices.Equal(got, s.InputIDs) {
				t.Errorf("Load(%s): %q: got %v, want %v", d, s.Text, got, s.InputIDs)
			}
		}
	}
}

// TestGoldenBatch checks padding to the longest row and to max_length 77.
func TestGoldenBatch(t *testing.T) {
	g := readGolden(t)
	tok := goldenTokenizer(t, srcJSON)
	for _, c := range []struct {
		name          string
		maxLen, padTo int
		want          goldenBatch
	}{
		{"padding=True", 0, 0, g.Batch.PaddingTrue},
		{"padding=max_length", MaxLength, MaxLength, g.Batch.PaddingMax},
	} {
		b := tok.EncodeBatch(g.Batch.Texts, c.maxLen, c.padTo)
		if !reflect.DeepEqual(b.IDs, c.want.InputIDs) {
			t.Errorf("%s: ids\n got  %v\n want %v", c.name, b.IDs, c.want.InputIDs)
		}
		if !reflect.DeepEqual(b.Mask, c.want.AttentionMask) {
			t.Errorf("%s: mask\n got  %v\n want %v", c.name, b.Mask, c.want.AttentionMask)
		}
		if slices.Contains(b.Truncated, true) {
			t.Errorf("%s: Truncated = %v, want none", c.name, b.Truncated)
		}
	}
}

// TestGoldenTruncation checks truncation=True, max_length=77. The golden records only the output; the
// input is the golden string (the 100-word one) whose untruncated ids it is a truncation of.
func TestGoldenTruncation(t *testing.T) {
	g := readGolden(t)
	tok := goldenTokenizer(t, srcJSON)
	want := g.Truncation
	if len(want.InputIDs) != 1 || len(want.InputIDs[0]) != MaxLength {
		t.Fatalf("truncation_77: unexpected shape %d rows", len(want.InputIDs))
	}
	var text string
	found := 0
	for _, s := range g.Strings {
		if len(s.InputIDs) > MaxLength && slices.Equal(s.InputIDs[:MaxLength-1], want.InputIDs[0][:MaxLength-1]) {
			text = s.Text
			found++
		}
	}
	if found != 1 {
		t.Fatalf("found %d golden strings the truncation case could come from, want 1", found)
	}
	b := tok.EncodeBatch([]string{text}, MaxLength, 0)
	if !reflect.DeepEqual(b.IDs, want.InputIDs) {
		t.Errorf("ids\n got  %v\n want %v", b.IDs, want.InputIDs)
	}
	if !reflect.DeepEqual(b.Mask, want.AttentionMask) {
		t.Errorf("mask\n got  %v\n want %v", b.Mask, want.AttentionMask)
	}
	if !b.Truncated[0] {
		t.Error("Truncated[0] = false, want true")
	}
	if full := tok.Encode(text); len(full) <= MaxLength {
		t.Errorf("Encode truncated: %d ids", len(full))
	}
}

// BenchmarkEncodeLabel measures a warm-cache label, the filter's per-frame case.
func BenchmarkEncodeLabel(b *testing.B) {
	tok := goldenTokenizer(b, srcJSON)
	for b.Loop() {
		tok.Encode("a video of a person playing basketball")
	}
}
