package tokenizer

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/xclipfilter/xclipfilter/internal/safefile"
)

// Load reads tokenizer.json from dir, or vocab.json + merges.txt when tokenizer.json is absent. Errors name
// the file and the problem.
func Load(dir string) (*Tokenizer, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("tokenizer: checkpoint folder: %w", err)
	}
	jsonPath := filepath.Join(dir, "tokenizer.json")
	_, err := os.Stat(jsonPath)
	if err == nil {
		return FromJSON(jsonPath)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	vocabPath := filepath.Join(dir, "vocab.json")
	if _, err := os.Stat(vocabPath); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("tokenizer: %s: no tokenizer.json and no vocab.json + merges.txt", dir)
	}
	return FromVocabMerges(vocabPath, filepath.Join(dir, "merges.txt"))
}

// hfTokenizerJSON is the part of a Hugging Face tokenizer.json this package reads. The normalizer and
// pre-tokenizer are not read: the pipeline is CLIP's by construction (see the package doc).
type hfTokenizerJSON struct {
	AddedTokens []struct {
		ID      int    `json:"id"`
		Content string `json:"content"`
	} `json:"added_tokens"`
	Model *struct {
		Type                    string            `json:"type"`
		Vocab                   map[string]int    `json:"vocab"`
		Merges                  []json.RawMessage `json:"merges"`
		EndOfWordSuffix         *string           `json:"end_of_word_suffix"`
		ContinuingSubwordPrefix *string           `json:"continuing_subword_prefix"`
	} `json:"model"`
}

// FromJSON reads a Hugging Face tokenizer.json holding a CLIP BPE model. Merges may be "a b" strings
// (older files) or ["a", "b"] pairs (tokenizers >= 0.20).
func FromJSON(path string) (*Tokenizer, error) {
	data, err := safefile.ReadFile(path, "tokenizer.json", safefile.TokenizerLimit)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	var doc hfTokenizerJSON
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("tokenizer: %s: malformed JSON: %w", path, err)
	}
	m := doc.Model
	switch {
	case m == nil:
		return nil, fmt.Errorf("tokenizer: %s: no \"model\" object", path)
	case m.Type != "" && m.Type != "BPE":
		return nil, fmt.Errorf("tokenizer: %s: model type %q, want BPE", path, m.Type)
	case m.EndOfWordSuffix != nil && *m.EndOfWordSuffix != endOfWord:
		return nil, fmt.Errorf("tokenizer: %s: end_of_word_suffix %q, want %q (not a CLIP tokenizer)", path, *m.EndOfWordSuffix, endOfWord)
	case m.ContinuingSubwordPrefix != nil && *m.ContinuingSubwordPrefix != "":
		return nil, fmt.Errorf("tokenizer: %s: continuing_subword_prefix %q, want none (not a CLIP tokenizer)", path, *m.ContinuingSubwordPrefix)
	case len(m.Vocab) == 0:
		return nil, fmt.Errorf("tokenizer: %s: model.vocab is missing or empty", path)
	}
	// Added tokens live outside model.vocab in some files; they still need their ids.
	for _, at := range doc.AddedTokens {
		if id, ok := m.Vocab[at.Content]; ok && id != at.ID {
			return nil, fmt.Errorf("tokenizer: %s: added token %q has id %d but model.vocab gives %d", path, at.Content, at.ID, id)
		}
		m.Vocab[at.Content] = at.ID
	}
	merges := make([]mergeRule, len(m.Merges))
	for i, raw := range m.Merges {
		where := fmt.Sprintf("model.merges[%d]", i)
		var pair []string
		var s string
		switch {
		case json.Unmarshal(raw, &s) == nil:
			a, b, ok := strings.Cut(s, " ")
			if !ok {
				return nil, fmt.Errorf("tokenizer: %s: %s: merge %q has no space between its two tokens", path, where, s)
			}
			pair = []string{a, b}
		case json.Unmarshal(raw, &pair) == nil:
			if len(pair) != 2 {
				return nil, fmt.Errorf("tokenizer: %s: %s: merge has %d tokens, want 2", path, where, len(pair))
			}
		default:
			return nil, fmt.Errorf("tokenizer: %s: %s: merge is %s, want \"a b\" or [\"a\", \"b\"]", path, where, raw)
		}
		merges[i] = mergeRule{pair[0], pair[1], where}
	}
	return newTokenizer(m.Vocab, path, merges, path)
}

// FromVocabMerges reads a vocab.json (token -> id) and a merges.txt (one "a b" rule a line, by rank,
// after an optional "#version" line), the files older checkpoints and the slow tokenizer use.
func FromVocabMerges(vocabPath, mergesPath string) (*Tokenizer, error) {
	data, err := safefile.ReadFile(vocabPath, "vocab.json", safefile.VocabLimit)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	var vocab map[string]int
	if err := json.Unmarshal(data, &vocab); err != nil {
		return nil, fmt.Errorf("tokenizer: %s: malformed JSON: %w", vocabPath, err)
	}
	data, err = safefile.ReadFile(mergesPath, "merges.txt", safefile.VocabLimit)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	merges, err := parseMergesTxt(data, mergesPath)
	if err != nil {
		return nil, err
	}
	return newTokenizer(vocab, vocabPath, merges, mergesPath)
}

// parseMergesTxt parses merges.txt as tokenizers does: lines starting with "#version" are skipped and
// every other line must be exactly two tokens separated by one space. A final newline is not a line.
func parseMergesTxt(data []byte, path string) ([]mergeRule, error) {
	lines := strings.Split(string(data), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	merges := make([]mergeRule, 0, len(lines))
	for i, line := range lines {
		line = strings.TrimSuffix(line, "\r")
		if strings.HasPrefix(line, "#version") {
			continue
		}
		a, b, ok := strings.Cut(line, " ")
		if !ok || a == "" || b == "" || strings.Contains(b, " ") {
			return nil, fmt.Errorf("tokenizer: %s: line %d: %q is not two tokens separated by a space", path, i+1, line)
		}
		merges = append(merges, mergeRule{a, b, fmt.Sprintf("line %d", i+1)})
	}
	return merges, nil
}

// openAIMerges is how many merge lines OpenAI's CLIP uses from bpe_simple_vocab_16e6.txt.gz (the file
// holds more): 512 byte symbols + 48894 merged tokens + 2 specials = 49408 ids.
const openAIMerges = 49152 - 256 - 2

// FromOpenAIBPE reads OpenAI's original bpe_simple_vocab_16e6.txt.gz, which holds only merges, and builds
// the vocabulary the way OpenAI's SimpleTokenizer does: the 256 byte symbols, the same with "</w>", each
// of the first 48894 merges joined, then "<|startoftext|>" and "<|endoftext|>". The result is the
// vocab.json + merges.txt that Hugging Face checkpoints ship.
func FromOpenAIBPE(gzPath string) (*Tokenizer, error) {
	f, err := safefile.Open(gzPath, "BPE merges file", safefile.VocabLimit)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %s: not a gzip file: %w", gzPath, err)
	}
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, io.LimitReader(zr, safefile.VocabLimit+1)); err != nil {
		return nil, fmt.Errorf("tokenizer: %s: decompressing: %w", gzPath, err)
	}
	if buf.Len() > safefile.VocabLimit {
		return nil, fmt.Errorf("tokenizer: %s: decompresses to more than %d bytes", gzPath, safefile.VocabLimit)
	}
	// Line 1 is the "#version" header; OpenAI takes lines [1 : openAIMerges+1] and ignores the rest.
	lines := strings.Split(buf.String(), "\n")
	if len(lines) < openAIMerges+1 {
		return nil, fmt.Errorf("tokenizer: %s: %d merge lines, want at least %d", gzPath, max(len(lines)-1, 0), openAIMerges)
	}
	merges := make([]mergeRule, openAIMerges)
	vocab := make(map[string]int, 2*256+openAIMerges+2)
	next := 0
	add := func(tok string) { vocab[tok] = next; next++ } // a repeated token keeps its last id, as a Python dict does
	for _, b := range byteOrder {
		add(byteSymbol(b))
	}
	for _, b := range byteOrder {
		add(byteSymbol(b) + endOfWord)
	}
	for i, line := range lines[1 : openAIMerges+1] {
		fields := strings.Fields(line)
		if len(fields) != 2 {
			return nil, fmt.Errorf("tokenizer: %s: line %d: %q is not two tokens separated by a space", gzPath, i+2, line)
		}
		merges[i] = mergeRule{fields[0], fields[1], fmt.Sprintf("line %d", i+2)}
		add(fields[0] + fields[1])
	}
	add(bosToken)
	add(eosToken)
	return newTokenizer(vocab, gzPath, merges, gzPath)
}
