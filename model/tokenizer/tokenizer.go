// Package tokenizer turns label text into the token ids X-CLIP's text encoder expects.
//
// It reproduces Hugging Face's fast CLIPTokenizer (tokenizers 0.23) id for id, because the text encoder
// was trained on exactly that segmentation: a different split of even one word shifts the embedding.
// The pipeline is fixed to CLIP's (the only tokenizer X-CLIP checkpoints ship), so only the vocabulary
// and merges are read from files:
//
//  1. special tokens "<|startoftext|>" / "<|endoftext|>" in the raw text map straight to their ids;
//  2. every other stretch is normalized: NFC, then Unicode lowercase (normalize.go);
//  3. it is cut into pieces by CLIP's pre-tokenizer regex and then GPT-2's (pretokenize.go);
//  4. each piece's UTF-8 bytes become GPT-2 byte symbols (bytelevel.go) and are merged by rank (bpe.go);
//  5. BOS and EOS wrap the result.
package tokenizer

// Ids fixed by every CLIP vocabulary (49152 BPE tokens followed by the two specials).
const (
	BOS       = 49406 // "<|startoftext|>"
	EOS       = 49407 // "<|endoftext|>"
	Pad       = 49407 // CLIP pads with EOS; the attention mask tells them apart.
	MaxLength = 77    // the text encoder's position-embedding count.
)

const (
	bosToken = "<|startoftext|>"
	eosToken = "<|endoftext|>"
)

// Tokenizer is a loaded CLIP BPE vocabulary. It is safe for concurrent use: after loading it is read-only
// except for the word cache, which has its own lock.
type Tokenizer struct {
	tokens []string              // id -> token, dense
	merges map[uint64]mergeEntry // (left id, right id) -> rank and merged id
	// byteIDs[b] and byteEndIDs[b] are the ids of byte b's symbol without and with "</w>": every word's
	// starting symbols, looked up once at load instead of once per byte.
	byteIDs    [256]int32
	byteEndIDs [256]int32
	cache      wordCache
}

// Encode returns BOS, the text's token ids, EOS — no truncation. It never fails: invalid UTF-8 bytes are
// read as U+FFFD, one per byte, as Go's range loop decodes them.
func (t *Tokenizer) Encode(text string) []int {
	ids := make([]int, 0, len(text)/3+2)
	ids = append(ids, BOS)
	s := validUTF8(text)
	for len(s) > 0 {
		i, n, id := nextSpecial(s)
		if i < 0 {
			ids = t.appendSegment(ids, s)
			break
		}
		ids = t.appendSegment(ids, s[:i])
		ids = append(ids, id)
		s = s[i+n:]
	}
	return append(ids, EOS)
}

// appendSegment appends the ids of a stretch of text that holds no special token.
func (t *Tokenizer) appendSegment(ids []int, seg string) []int {
	if seg == "" {
		return ids
	}
	pretokenize(normalize(seg), func(piece string) {
		ids = append(ids, t.bpe(piece)...)
	})
	return ids
}

// Tokens returns the string form of Encode's tokens (for debugging and tests). Byte symbols appear in
// GPT-2's byte-to-unicode spelling, e.g. "cafÃ©</w>" for "café".
func (t *Tokenizer) Tokens(text string) []string {
	ids := t.Encode(text)
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = t.tokens[id]
	}
	return out
}

// vocabSize is the number of ids; every id Encode returns is below it.
func (t *Tokenizer) vocabSize() int { return len(t.tokens) }
