package tokenizer

// byteOrder lists the 256 bytes in the order GPT-2's bytes_to_unicode enumerates them: the printable
// Latin-1 bytes first, then the rest. OpenAI's vocabulary file has no vocabulary of its own; its first
// 256 ids follow this order, so FromOpenAIBPE needs it.
var byteOrder [256]byte

// byteRune maps each byte to its GPT-2 symbol: printable bytes to themselves, the others (controls,
// space, 0x7F-0xA0, 0xAD) to U+0100 and up, so every symbol is a visible, non-space character and a
// byte string round-trips through a string of symbols.
var byteRune [256]rune

func init() {
	printable := func(b int) bool {
		return '!' <= b && b <= '~' || 0xA1 <= b && b <= 0xAC || 0xAE <= b && b <= 0xFF
	}
	k := 0
	for b := 0; b < 256; b++ {
		if printable(b) {
			byteOrder[k] = byte(b)
			byteRune[b] = rune(b)
			k++
		}
	}
	next := rune(256)
	for b := 0; b < 256; b++ {
		if !printable(b) {
			byteOrder[k] = byte(b)
			byteRune[b] = next
			next++
			k++
		}
	}
}

// byteSymbol is the vocabulary spelling of byte b.
func byteSymbol(b byte) string { return string(byteRune[b]) }
