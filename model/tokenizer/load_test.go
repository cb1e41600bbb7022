package tokenizer

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestBadFiles checks that every broken input is an error that names the offending file, never a panic
// or a half-built tokenizer.
func TestBadFiles(t *testing.T) {
	good := syntheticFiles(t, "h e", "l l")
	goodVocab := filepath.Join(good, "vocab.json")
	goodMerges := filepath.Join(good, "merges.txt")
	vocabData, err := os.ReadFile(goodVocab)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		writeFile(t, p, content)
		return p
	}
	gz := func(name, content string) string {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write([]byte(content))
		zw.Close()
		return file(name, buf.String())
	}
	// A vocabulary without the symbol of byte 'q' (as a non-final symbol).
	noQ := strings.Replace(string(vocabData), `"q":`, `"not-q":`, 1)
	if noQ == string(vocabData) {
		t.Fatal("synthetic vocab has no \"q\" entry")
	}
	emptyDir := t.TempDir()
	onlyVocab := t.TempDir()
	writeFile(t, filepath.Join(onlyVocab, "vocab.json"), string(vocabData))
	missing := filepath.Join(dir, "missing.json")

	cases := []struct {
		name  string
		load  func() (*Tokenizer, error)
		names string // must appear in the error
		says  string // and so must this
	}{
		{"Load empty dir", func() (*Tokenizer, error) { return Load(emptyDir) }, emptyDir, "no tokenizer.json"},
		{"Load missing dir", func() (*Tokenizer, error) { return Load(missing) }, missing, ""},
		{"Load without merges.txt", func() (*Tokenizer, error) { return Load(onlyVocab) }, filepath.Join(onlyVocab, "merges.txt"), "no such file"},
		{"json missing", func() (*Tokenizer, error) { return FromJSON(missing) }, missing, "no such file"},
		{"json malformed", func() (*Tokenizer, error) { return FromJSON(file("bad.json", `{"model": {"vocab": {`)) }, "bad.json", "malformed JSON"},
		{"json without model", func() (*Tokenizer, error) { return FromJSON(file("nomodel.json", `{"version": "1.0"}`)) }, "nomodel.json", "model"},
		{"json wordpiece", func() (*Tokenizer, error) {
			return FromJSON(file("wp.json", `{"model": {"type": "WordPiece", "vocab": {"a": 0}}}`))
		}, "wp.json", "WordPiece"},
		{"json merge without space", func() (*Tokenizer, error) {
			return FromJSON(file("nospace.json", `{"model": {"vocab": `+string(vocabData)+`, "merges": ["he"]}}`))
		}, "nospace.json", "model.merges[0]"},
		{"json merge of wrong type", func() (*Tokenizer, error) {
			return FromJSON(file("num.json", `{"model": {"vocab": `+string(vocabData)+`, "merges": ["h e", 7]}}`))
		}, "num.json", "model.merges[1]"},
		{"json merge triple", func() (*Tokenizer, error) {
			return FromJSON(file("triple.json", `{"model": {"vocab": `+string(vocabData)+`, "merges": [["h", "e", "l"]]}}`))
		}, "triple.json", "3 tokens"},
		{"json merge unknown token", func() (*Tokenizer, error) {
			return FromJSON(file("unknown.json", `{"model": {"vocab": `+string(vocabData)+`, "merges": [["zz", "q"]]}}`))
		}, "unknown.json", `"zz"`},
		{"json vocab missing byte", func() (*Tokenizer, error) {
			return FromJSON(file("noq.json", `{"model": {"vocab": `+noQ+`, "merges": []}}`))
		}, "noq.json", `"q"`},
		{"vocab missing", func() (*Tokenizer, error) { return FromVocabMerges(missing, goodMerges) }, missing, ""},
		{"vocab malformed", func() (*Tokenizer, error) { return FromVocabMerges(file("v.json", `["a"]`), goodMerges) }, "v.json", "malformed JSON"},
		{"vocab missing byte", func() (*Tokenizer, error) { return FromVocabMerges(file("noq-vocab.json", noQ), goodMerges) }, "noq-vocab.json", `"q"`},
		{"vocab sparse ids", func() (*Tokenizer, error) {
			return FromVocabMerges(file("sparse.json", strings.Replace(string(vocabData), `"q":`, `"q":1000000,"was-q":`, 1)), goodMerges)
		}, "sparse.json", "dense"},
		{"vocab without specials", func() (*Tokenizer, error) {
			return FromVocabMerges(file("nospecial.json", strings.Replace(string(vocabData), bosToken, "<|bos|>", 1)), goodMerges)
		}, "nospecial.json", bosToken},
		{"merges missing", func() (*Tokenizer, error) { return FromVocabMerges(goodVocab, missing) }, missing, ""},
		{"merges line without space", func() (*Tokenizer, error) {
			return FromVocabMerges(goodVocab, file("m1.txt", "#version: 0.2\nh e\nll\n"))
		}, "m1.txt", "line 3"},
		{"merges blank line", func() (*Tokenizer, error) { return FromVocabMerges(goodVocab, file("m2.txt", "h e\n\nl l\n")) }, "m2.txt", "line 2"},
		{"merges unknown token", func() (*Tokenizer, error) { return FromVocabMerges(goodVocab, file("m3.txt", "h e\nhe zz\n")) }, "m3.txt", "line 2"},
		{"merges result not in vocab", func() (*Tokenizer, error) { return FromVocabMerges(goodVocab, file("m4.txt", "x y\n")) }, "m4.txt", `"xy"`},
		{"gz missing", func() (*Tokenizer, error) { return FromOpenAIBPE(missing) }, missing, ""},
		{"gz not gzip", func() (*Tokenizer, error) { return FromOpenAIBPE(file("plain.gz", "#version\nh e\n")) }, "plain.gz", "gzip"},
		{"gz too short", func() (*Tokenizer, error) { return FromOpenAIBPE(gz("short.gz", "#version\nh e\n")) }, "short.gz", "merge lines"},
		{"gz bad line", func() (*Tokenizer, error) {
			return FromOpenAIBPE(gz("badline.gz", "#version\n"+strings.Repeat("h e\n", 10)+"he\n"+strings.Repeat("h e\n", openAIMerges)))
		}, "badline.gz", "line 12"},
		{"gz truncated", func() (*Tokenizer, error) {
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			zw.Write(bytes.Repeat([]byte("h e\n"), 1000))
			zw.Close()
			return FromOpenAIBPE(file("cut.gz", buf.String()[:buf.Len()/2]))
		}, "cut.gz", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tok, err := c.load()
			if err == nil {
				t.Fatal("no error")
			}
			if tok != nil {
				t.Error("a tokenizer came back with the error")
			}
			if !strings.Contains(err.Error(), c.names) || !strings.Contains(err.Error(), c.says) {
				t.Errorf("error %q should name %q and say %q", err, c.names, c.says)
			}
		})
	}
}

// TestMergeForms checks that tokenizer.json merges written as "a b" strings and as ["a", "b"] pairs load
// to the same tokenizer as merges.txt.
func TestMergeForms(t *testing.T) {
	merges := []string{"h e", "l l", "he ll", "hell o</w>"}
	dir := syntheticFiles(t, merges...)
	vocab, err := os.ReadFile(filepath.Join(dir, "vocab.json"))
	if err != nil {
		t.Fatal(err)
	}
	var strs, pairs []string
	for _, m := range merges {
		a, b, _ := strings.Cut(m, " ")
		strs = append(strs, `"`+m+`"`)
		pairs = append(pairs, `["`+a+`", "`+b+`"]`)
	}
	strForm, pairForm := strings.Join(strs, ", "), strings.Join(pairs, ", ")
	fromTxt, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := fromTxt.Encode("hello")
	if len(want) != 3 {
		t.Fatalf("merges.txt: %v, want one token between BOS and EOS", want)
	}
	for _, form := range []string{strForm, pairForm} {
		p := filepath.Join(t.TempDir(), "tokenizer.json")
		writeFile(t, p, `{"added_tokens": [{"id": 49406, "content": "<|startoftext|>"}], "model": {"type": "BPE", "end_of_word_suffix": "</w>", "vocab": `+string(vocab)+`, "merges": [`+form+`]}}`)
		tok, err := FromJSON(p)
		if err != nil {
			t.Fatalf("merges [%s]: %v", form, err)
		}
		if got := tok.Encode("hello"); !slices.Equal(got, want) {
			t.Errorf("merges [%s]: got %v, want %v", form, got, want)
		}
	}
}
