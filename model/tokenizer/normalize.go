package tokenizer

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// validUTF8 returns s with each invalid byte replaced by U+FFFD, the way Go's range loop decodes it, so
// that every later stage can assume valid UTF-8 (strings.ToValidUTF8 would fold a run into one U+FFFD).
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for _, r := range s {
		b.WriteRune(r)
	}
	return b.String()
}

// normalize applies the checkpoint's normalizer, Sequence[NFC, Replace(\s+ -> " "), Lowercase], to a
// stretch of text without special tokens.
//
// The Replace step is skipped on purpose: it only rewrites whitespace, and the pre-tokenizer drops all
// whitespace anyway (Lowercase cannot create any), so it cannot change an id.
func normalize(s string) string {
	if !isLowerASCII(s) {
		s = lowercase(norm.NFC.String(s))
	}
	return s
}

// isLowerASCII reports whether s is ASCII without capitals, the common case for labels, where both NFC
// and lowercasing are no-ops.
func isLowerASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			return false
		}
	}
	return true
}

// lowercase maps each rune as Rust's char::to_lowercase does (the reference runs it rune by rune, so
// there is no final-sigma context rule). Go's unicode.ToLower agrees except where the full mapping has
// more than one rune; in Unicode's SpecialCasing the only unconditional such lowercase mapping is
// U+0130 'İ' -> "i\u0307", which the golden data confirms ("İstanbul" -> "i", "̇", "stanbul").
func lowercase(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 4)
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			b.WriteByte(byte(r))
		case r == '\u0130':
			b.WriteString("i\u0307")
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}
