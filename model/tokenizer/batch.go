package tokenizer

// Batch is a padded batch: IDs[i] and Mask[i] have the same length L for every i. Mask is 1 on real
// tokens and 0 on padding (the pad id equals EOS, so only the mask tells them apart). Truncated[i]
// reports that texts[i] lost tokens to the length limit.
type Batch struct {
	IDs       [][]int
	Mask      [][]int
	Truncated []bool
}

// EncodeBatch encodes texts, truncating any longer than maxLen (0 means MaxLength) so that EOS stays the
// last id (as HF truncation=True does: keep the first maxLen-1 ids then EOS), and pads with Pad (mask 0) to
// padTo when padTo > 0, else to the longest sequence in the batch.
//
// maxLen below 2 (other than 0) is raised to 2 so that every row keeps BOS and EOS. When padTo is smaller
// than the longest row, rows are padded to the longest row instead, so the batch stays rectangular.
func (t *Tokenizer) EncodeBatch(texts []string, maxLen, padTo int) Batch {
	if maxLen == 0 {
		maxLen = MaxLength
	}
	maxLen = max(maxLen, 2)
	b := Batch{
		IDs:       make([][]int, len(texts)),
		Mask:      make([][]int, len(texts)),
		Truncated: make([]bool, len(texts)),
	}
	width := max(padTo, 0)
	for i, text := range texts {
		ids := t.Encode(text)
		if len(ids) > maxLen {
			ids = append(ids[:maxLen-1], EOS)
			b.Truncated[i] = true
		}
		b.IDs[i] = ids
		width = max(width, len(ids))
	}
	for i, ids := range b.IDs {
		mask := make([]int, width)
		for j := range ids {
			mask[j] = 1
		}
		for len(ids) < width {
			ids = append(ids, Pad)
		}
		b.IDs[i], b.Mask[i] = ids, mask
	}
	return b
}
