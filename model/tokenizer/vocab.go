package tokenizer

import "fmt"

// mergeRule is one merge as read from a file; where locates it for error messages.
type mergeRule struct{ a, b, where string }

// newTokenizer checks a vocabulary and its merges and builds the id tables. It rejects what would
// otherwise fail later or silently: ids that are not dense (Tokens and the vocab-size bound rely on
// it), specials at other ids than BOS/EOS, a missing byte symbol (some text could not be encoded), and
// merges whose tokens are not in the vocabulary (tokenizers refuses these too).
func newTokenizer(vocab map[string]int, vocabSrc string, merges []mergeRule, mergesSrc string) (*Tokenizer, error) {
	if len(vocab) == 0 {
		return nil, fmt.Errorf("tokenizer: %s: empty vocabulary", vocabSrc)
	}
	tokens := make([]string, len(vocab))
	seen := make([]bool, len(vocab))
	for tok, id := range vocab {
		if id < 0 || id >= len(vocab) {
			return nil, fmt.Errorf("tokenizer: %s: token %q has id %d, outside 0..%d (ids must be dense)", vocabSrc, tok, id, len(vocab)-1)
		}
		if seen[id] {
			return nil, fmt.Errorf("tokenizer: %s: id %d is used by both %q and %q", vocabSrc, id, tokens[id], tok)
		}
		tokens[id], seen[id] = tok, true
	}
	for _, sp := range []struct {
		tok string
		id  int
	}{{bosToken, BOS}, {eosToken, EOS}} {
		if id, ok := vocab[sp.tok]; !ok || id != sp.id {
			return nil, fmt.Errorf("tokenizer: %s: %q must have id %d (a CLIP vocabulary of %d tokens)", vocabSrc, sp.tok, sp.id, EOS+1)
		}
	}
	t := &Tokenizer{tokens: tokens, merges: make(map[uint64]mergeEntry, len(merges))}
	for b := 0; b < 256; b++ {
		sym := byteSymbol(byte(b))
		id, ok := vocab[sym]
		if !ok {
			return nil, fmt.Errorf("tokenizer: %s: vocabulary lacks the symbol %q of byte 0x%02x", vocabSrc, sym, b)
		}
		endID, ok := vocab[sym+endOfWord]
		if !ok {
			return nil, fmt.Errorf("tokenizer: %s: vocabulary lacks the symbol %q of byte 0x%02x", vocabSrc, sym+endOfWord, b)
		}
		t.byteIDs[b], t.byteEndIDs[b] = int32(id), int32(endID)
	}
	for rank, m := range merges {
		ids := [3]int{}
		for i, tok := range [3]string{m.a, m.b, m.a + m.b} {
			id, ok := vocab[tok]
			if !ok {
				return nil, fmt.Errorf("tokenizer: %s: %s: merge %q %q: token %q is not in the vocabulary %s", mergesSrc, m.where, m.a, m.b, tok, vocabSrc)
			}
			ids[i] = id
		}
		// A repeated pair keeps its last rank, as tokenizers' HashMap collect does.
		t.merges[pairKey(int32(ids[0]), int32(ids[1]))] = mergeEntry{rank: int32(rank), id: int32(ids[2])}
	}
	return t, nil
}
