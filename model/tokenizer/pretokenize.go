package tokenizer

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// nextSpecial finds the first special token in raw text: its byte offset, length and id, or i = -1.
// The reference matches added tokens on the raw text before normalization, so only the exact spelling
// counts; "<|EndOfText|>" is ordinary text (which pretokenize then treats specially, see below).
func nextSpecial(s string) (i, n, id int) {
	i = -1
	for {
		j := strings.Index(s[i+1:], "<|")
		if j < 0 {
			return -1, 0, 0
		}
		i += 1 + j
		switch rest := s[i:]; {
		case strings.HasPrefix(rest, bosToken):
			return i, len(bosToken), BOS
		case strings.HasPrefix(rest, eosToken):
			return i, len(eosToken), EOS
		}
	}
}

// Character classes of the reference regexes (Oniguruma, Unicode-aware). Go's regexp is not used
// because its \s is ASCII-only; unicode.IsSpace is exactly Unicode White_Space, which is Oniguruma's \s.
const (
	classSpace = iota
	classLetter
	classNumber
	classSymbol
)

func classOf(r rune) int {
	switch {
	case unicode.IsSpace(r):
		return classSpace
	case unicode.IsLetter(r):
		return classLetter
	case unicode.IsNumber(r):
		return classNumber
	}
	return classSymbol
}

// pretokenize calls fn with each piece of normalized text, in order, as the checkpoint's pre-tokenizer
// yields them: first Split with CLIP's regex
//
//	<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
//
// keeping the matches and dropping what lies between (only whitespace can), then ByteLevel's GPT-2 regex
// within each match. The second split only changes the first two alternatives: "<|endoftext|>" reached
// as text (e.g. from "<|ENDOFTEXT|>") becomes "<|", "endoftext", "|>".
func pretokenize(s string, fn func(piece string)) {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if classOf(r) == classSpace {
			i += size
			continue
		}
		n := clipMatch(s[i:])
		splitGPT2(s[i:i+n], fn)
		i += n
	}
}

// clipMatch returns the length of CLIP's regex match at the start of s, which starts with a
// non-space rune. The alternatives are tried in the regex's order, as a backtracking engine does; the
// symbol run is greedy and does not stop at a later special token or apostrophe.
func clipMatch(s string) int {
	if strings.HasPrefix(s, bosToken) {
		return len(bosToken)
	}
	if strings.HasPrefix(s, eosToken) {
		return len(eosToken)
	}
	return gpt2Match(s, false)
}

// splitGPT2 calls fn with the pieces of GPT-2's regex
//
//	's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//
// over a piece that has no whitespace (so the optional spaces never apply).
func splitGPT2(s string, fn func(piece string)) {
	for len(s) > 0 {
		n := gpt2Match(s, true)
		fn(s[:n])
		s = s[n:]
	}
}

// contractions are the regexes' apostrophe alternatives, case-sensitive (the text is already lowercase).
var contractions = [...]string{"'s", "'t", "'re", "'ve", "'m", "'ll", "'d"}

// gpt2Match returns the length of the match at the start of a non-empty, whitespace-free s: a
// contraction, a letter run, a number (a run when numberRun, as GPT-2's \p{N}+; one rune as CLIP's
// [\p{N}]), or a symbol run. It is at least one rune long.
func gpt2Match(s string, numberRun bool) int {
	if s[0] == '\'' {
		for _, c := range contractions {
			if strings.HasPrefix(s, c) {
				return len(c)
			}
		}
	}
	r, n := utf8.DecodeRuneInString(s)
	c := classOf(r)
	if c == classNumber && !numberRun {
		return n
	}
	for n < len(s) {
		r, size := utf8.DecodeRuneInString(s[n:])
		if classOf(r) != c {
			break
		}
		n += size
	}
	return n
}
