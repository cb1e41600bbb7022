package tokenizer

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/xclipfilter/xclipfilter/internal/golden"
)

// goldenData mirrors tokenizer-golden.json, the fast CLIPTokenizer's outputs.
type goldenData struct {
	Strings []struct {
		Text     string   `json:"text"`
		InputIDs []int    `json:"input_ids"`
		Tokens   []string `json:"tokens"`
	} `json:"strings"`
	Batch struct {
		Texts       []string    `json:"texts"`
		PaddingTrue goldenBatch `json:"padding_true"`
		PaddingMax  goldenBatch `json:"padding_max_length_77"`
	} `json:"batch"`
	Truncation goldenBatch `json:"truncation_77"`
}

type goldenBatch struct {
	InputIDs      [][]int `json:"input_ids"`
	AttentionMask [][]int `json:"attention_mask"`
}

func readGolden(t testing.TB) *goldenData {
	t.Helper()
	data, err := os.ReadFile(golden.Fixture(t, "tokenizer-golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g goldenData
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatalf("tokenizer-golden.json: %v", err)
	}
	if len(g.Strings) == 0 {
		t.Fatal("tokenizer-golden.json: no strings")
	}
	return &g
}

// The three ways to get CLIP's tokenizer; all must give the golden ids.
const (
	srcJSON   = "tokenizer.json"
	srcVocab  = "vocab.json+merges.txt"
	srcOpenAI = "bpe_simple_vocab_16e6.txt.gz"
)

var sources = []string{srcJSON, srcVocab, srcOpenAI}

// loaded shares tokenizers between tests: each load parses megabytes of JSON.
var loaded sync.Map // source -> *Tokenizer

// goldenTokenizer loads the tokenizer of one source from the golden folders (skipping without them).
func goldenTokenizer(t testing.TB, src string) *Tokenizer {
	t.Helper()
	if tok, ok := loaded.Load(src); ok {
		return tok.(*Tokenizer)
	}
	var tok *Tokenizer
	var err error
	switch src {
	case srcJSON:
		tok, err = FromJSON(golden.Fixture(t, "xclip-tiny-a", "tokenizer.json"))
	case srcVocab:
		tok, err = FromVocabMerges(golden.Fixture(t, "xclip-tiny-a", "vocab.json"), golden.Fixture(t, "xclip-tiny-a", "merges.txt"))
	case srcOpenAI:
		tok, err = FromOpenAIBPE(golden.CLIPVocab(t))
	default:
		t.Fatalf("unknown source %q", src)
	}
	if err != nil {
		t.Fatal(err)
	}
	loaded.Store(src, tok)
	return tok
}

// syntheticVocab builds a CLIP-shaped vocabulary: the byte symbols, the given merges joined, filler up
// to the special ids, then the specials. Tests of loading and of BPE itself use it so that they run
// without the golden data.
func syntheticVocab(merges []string) map[string]int {
	vocab := map[string]int{}
	add := func(tok string) {
		if _, ok := vocab[tok]; !ok {
			vocab[tok] = len(vocab)
		}
	}
	for _, b := range byteOrder {
		add(byteSymbol(b))
	}
	for _, b := range byteOrder {
		add(byteSymbol(b) + endOfWord)
	}
	for _, m := range merges {
		add(strings.Replace(m, " ", "", 1))
	}
	for i := 0; len(vocab) < BOS; i++ {
		add(fmt.Sprintf("<f%d>", i))
	}
	add(bosToken)
	add(eosToken)
	return vocab
}

// syntheticFiles writes syntheticVocab's vocab.json and a merges.txt into a temporary folder.
func syntheticFiles(t testing.TB, merges ...string) (dir string) {
	t.Helper()
	dir = t.TempDir()
	var data strings.Builder
	enc := json.NewEncoder(&data)
	enc.SetEscapeHTML(false) // keep "<|startoftext|>" greppable, as in real vocab.json files
	if err := enc.Encode(syntheticVocab(merges)); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "vocab.json"), data.String())
	mergesTxt := "#version: 0.2\n"
	for _, m := range merges {
		mergesTxt += m + "\n"
	}
	writeFile(t, filepath.Join(dir, "merges.txt"), mergesTxt)
	return dir
}

// syntheticTokenizer builds syntheticVocab's tokenizer in memory (loading is tested separately).
func syntheticTokenizer(t testing.TB, merges ...string) *Tokenizer {
	t.Helper()
	rules := make([]mergeRule, len(merges))
	for i, m := range merges {
		a, b, _ := strings.Cut(m, " ")
		rules[i] = mergeRule{a, b, fmt.Sprintf("merge %d", i)}
	}
	tok, err := newTokenizer(syntheticVocab(merges), "synthetic vocab", rules, "synthetic merges")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
