package tokenizer

import (
	"slices"
	"sync"
	"testing"
)

// TestMergeOrder checks that merges apply by rank, not by position or length, and that the last symbol
// carries "</w>" before merging.
func TestMergeOrder(t *testing.T) {
	for _, c := range []struct {
		merges []string
		text   string
		want   []string
	}{
		{[]string{"h e", "e l</w>"}, "hel", []string{"he", "l</w>"}},
		{[]string{"e l</w>", "h e"}, "hel", []string{"h", "el</w>"}},
		{[]string{"a a"}, "aaaa", []string{"aa", "a", "a</w>"}}, // leftmost first; "a</w>" is not "a"
		{[]string{"h e", "l l", "he ll", "hell o</w>"}, "hello hell", []string{"hello</w>", "he", "l", "l</w>"}},
		{[]string{"e l"}, "el", []string{"e", "l</w>"}}, // "l" and "l</w>" are different symbols
	} {
		tok := syntheticTokenizer(t, c.merges...)
		got := tok.Tokens(c.text)
		want := append(append([]string{bosToken}, c.want...), eosToken)
		if !slices.Equal(got, want) {
			t.Errorf("merges %q, %q: got %q, want %q", c.merges, c.text, got, want)
		}
	}
}

// TestSpecialTokens checks that the exact special spellings in raw text become their ids wherever they
// are, while other spellings are ordinary text.
func TestSpecialTokens(t *testing.T) {
	tok := syntheticTokenizer(t)
	ids := tok.Encode("a<|endoftext|>b<|startoftext|>")
	want := []int{BOS, int(tok.byteEndIDs['a']), EOS, int(tok.byteEndIDs['b']), BOS, EOS}
	if !slices.Equal(ids, want) {
		t.Errorf("got %v, want %v", ids, want)
	}
	for _, s := range []string{"<|EndOfText|>", "<|endoftext", "<|startoftext |>"} {
		for _, id := range tok.Encode(s)[1 : len(tok.Encode(s))-1] {
			if id == BOS || id == EOS {
				t.Errorf("%q: special id %d inside the text", s, id)
			}
		}
	}
}

// TestPretokenize pins the regex semantics the golden strings exercise only partly.
func TestPretokenize(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"don't stop", []string{"don", "'t", "stop"}},
		{"rock'n'roll", []string{"rock", "'", "n", "'", "roll"}},
		{"?'s", []string{"?'", "s"}}, // a symbol run is greedy; contractions only start a match
		{"'ll've", []string{"'ll", "'ve"}},
		{"12ab", []string{"1", "2", "ab"}},
		{"x²½", []string{"x", "²", "½"}},
		{"a\u00a0b\u2028c\u3000d", []string{"a", "b", "c", "d"}},
		{"zero\u200bwidth", []string{"zero", "\u200b", "width"}}, // U+200B is not White_Space
		{"<|endoftext|>!!", []string{"<|", "endoftext", "|>", "!!"}},
		{"!<|endoftext|>", []string{"!<|", "endoftext", "|>"}},
		{"हिन्दी", []string{"ह", "ि", "न", "्", "द", "ी"}}, // vowel signs are marks, not letters
		{"", nil},
		{" \t\n", nil},
	} {
		var got []string
		pretokenize(c.in, func(p string) { got = append(got, p) })
		if !slices.Equal(got, c.want) {
			t.Errorf("%q: got %q, want %q", c.in, got, c.want)
		}
	}
}

// TestNormalize checks lowercasing where Go's unicode.ToLower and Rust's char::to_lowercase differ, and
// that NFC happens before lowercasing (so "İ" stays decomposed).
func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"İstanbul":            "i\u0307stanbul",
		"ẞ":                   "ß",
		"ǅ":                   "ǆ",
		"ΣΑΣ":                 "σασ", // no final-sigma rule: the reference lowercases rune by rune
		"e\u0301":             "é",
		"ＡＢＣ":                 "ａｂｃ",
		"plain ascii":         "plain ascii",
		"MiXeD":               "mixed",
		"a\u00a0non-breaking": "a\u00a0non-breaking",
	} {
		if got := normalize(in); got != want {
			t.Errorf("normalize(%q) = %q, want %q", in, got, want)
		}
	}
	if got := validUTF8("a\xe2\x82b\xff"); got != "a\ufffd\ufffdb\ufffd" {
		t.Errorf("validUTF8: got %q, want one U+FFFD per invalid byte", got)
	}
}

// TestConcurrentEncode checks that the shared word cache gives every goroutine the same ids a fresh
// tokenizer gives (run with -race to check the locking too).
func TestConcurrentEncode(t *testing.T) {
	merges := []string{"h e", "l l", "he ll", "hell o</w>", "w o", "wo r", "wor l", "worl d</w>"}
	texts := []string{"hello world", "world hello", "héllo wörld", "<|endoftext|>hello", "hell", "o", "\xff\xfe"}
	ref, shared := syntheticTokenizer(t, merges...), syntheticTokenizer(t, merges...)
	want := make([][]int, len(texts))
	for i, s := range texts {
		want[i] = ref.Encode(s)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Go(func() {
			for r := 0; r < 50; r++ {
				for i, s := range texts {
					if got := shared.Encode(s); !slices.Equal(got, want[i]) {
						t.Errorf("goroutine %d: %q: got %v, want %v", g, s, got, want[i])
						return
					}
				}
			}
		})
	}
	wg.Wait()
}

// TestEncodeBatchShapes checks truncation and padding rules beyond the golden batch.
func TestEncodeBatchShapes(t *testing.T) {
	tok := syntheticTokenizer(t)
	long := "a b c d e f g h i j" // 10 tokens + BOS + EOS
	for _, c := range []struct {
		maxLen, padTo, width int
		truncated            bool
	}{
		{0, 0, 12, false},
		{5, 0, 5, true},
		{1, 0, 2, true}, // raised to 2: BOS, EOS
		{12, 0, 12, false},
		{11, 20, 20, true},
		{0, 3, 12, false}, // padTo below the longest row: the batch stays rectangular
	} {
		b := tok.EncodeBatch([]string{long, ""}, c.maxLen, c.padTo)
		if len(b.IDs) != 2 || len(b.Mask) != 2 || len(b.Truncated) != 2 {
			t.Fatalf("%+v: %d rows", c, len(b.IDs))
		}
		for i := range b.IDs {
			if len(b.IDs[i]) != c.width || len(b.Mask[i]) != c.width {
				t.Errorf("%+v: row %d has %d ids, %d mask, want %d", c, i, len(b.IDs[i]), len(b.Mask[i]), c.width)
			}
		}
		if b.Truncated[0] != c.truncated || b.Truncated[1] {
			t.Errorf("%+v: Truncated %v", c, b.Truncated)
		}
		real := 0
		for j, m := range b.Mask[0] {
			real += m
			if m == 1 && j > 0 && b.Mask[0][j-1] == 0 {
				t.Errorf("%+v: mask not a prefix: %v", c, b.Mask[0])
			}
		}
		if row := b.IDs[0]; row[0] != BOS || row[real-1] != EOS {
			t.Errorf("%+v: row %v does not run BOS..EOS over its %d real tokens", c, row, real)
		}
		if b.Mask[1][0] != 1 || b.Mask[1][1] != 1 || b.IDs[1][1] != EOS {
			t.Errorf("%+v: empty text row %v mask %v", c, b.IDs[1], b.Mask[1])
		}
	}
	if b := tok.EncodeBatch(nil, 0, 0); len(b.IDs) != 0 {
		t.Errorf("empty batch: %d rows", len(b.IDs))
	}
}
