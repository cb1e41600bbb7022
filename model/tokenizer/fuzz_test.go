package tokenizer

import (
	"slices"
	"testing"
)

// FuzzEncode checks invariants every input must keep: no panic, BOS first, EOS last, ids inside the
// vocabulary, Tokens consistent with Encode, a warm cache agreeing with a cold one, and EncodeBatch rows
// of at most MaxLength ids ending in EOS.
func FuzzEncode(f *testing.F) {
	tok := goldenTokenizer(f, srcJSON)
	for _, s := range []string{
		"", " ", "a video of a person playing basketball", "DON'T STOP", "İstanbul ß ẞ ǅ",
		"日本語のテキスト", "👨\u200d👩\u200d👧\u200d👦 family 🔥", "\xff\xfe\xe2\x82", "a\x00b",
		"<|endoftext|><|startoftext|>x", "<|ENDOFTEXT|>!!", "e\u0301\u0301\u0301", "½²³",
		"word word word word word word word word word word word word word word word word word word word word " +
			"word word word word word word word word word word word word word word word word word word word word " +
			"word word word word word word word word word word word word word word word word word word word word " +
			"word word word word word word word word word word word word word word word word word word word word",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		ids := tok.Encode(text)
		if len(ids) < 2 || ids[0] != BOS || ids[len(ids)-1] != EOS {
			t.Fatalf("%q: ids %v do not run BOS..EOS", text, ids)
		}
		for _, id := range ids {
			if id < 0 || id >= tok.vocabSize() {
				t.Fatalf("%q: id %d outside the vocabulary of %d", text, id, tok.vocabSize())
			}
		}
		if again := tok.Encode(text); !slices.Equal(again, ids) {
			t.Fatalf("%q: second Encode (warm cache) %v differs from first %v", text, again, ids)
		}
		if toks := tok.Tokens(text); len(toks) != len(ids) {
			t.Fatalf("%q: %d tokens for %d ids", text, len(toks), len(ids))
		}
		for _, padTo := range []int{0, MaxLength} {
			b := tok.EncodeBatch([]string{text, "a"}, 0, padTo)
			for i, row := range b.IDs {
				if len(row) > MaxLength || len(row) != len(b.Mask[i]) || row[len(row)-1] != EOS {
					t.Fatalf("%q padTo %d: row %d has %d ids, %d mask, last %d", text, padTo, i, len(row), len(b.Mask[i]), row[len(row)-1])
				}
			}
			if b.Truncated[0] != (len(ids) > MaxLength) {
				t.Fatalf("%q: Truncated %v for %d ids", text, b.Truncated[0], len(ids))
			}
			if n := min(len(ids), MaxLength) - 1; !slices.Equal(b.IDs[0][:n], ids[:n]) {
				t.Fatalf("%q: batch row is not a prefix of Encode", text)
			}
		}
	})
}
