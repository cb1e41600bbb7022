package model

import (
	"fmt"
	"strings"
)

// Limits on a label set. X-CLIP encodes at most 77 tokens of a label (longer ones are truncated), and
// its prompt generator runs once per label and window, so a label set is bounded in count and size:
// MaxLabels covers Kinetics-600, the largest zero-shot benchmark of the paper; MaxLabelBytes is well
// past 77 tokens of any text.
const (
	MaxLabels     = 1000
	MaxLabelBytes = 1024
)

// CheckLabels refuses a label set that is empty, larger than MaxLabels, has a label longer than
// MaxLabelBytes or the same label twice (the results could not tell them apart). Errors name the count,
// the label's position (from 1) and length, or the duplicate.
func CheckLabels(labels []string) error {
	if len(labels) == 0 {
		return fmt.Errorf("no labels: give at least one")
	}
	if len(labels) > MaxLabels {
		return fmt.Errorf("%d labels: at most %d are allowed", len(labels), MaxLabels)
	}
	seen := make(map[string]int, len(labels))
	for i, l := range labels {
		if len(l) > MaxLabelBytes {
			return fmt.Errorf("label %d is %d bytes long: at most %d are allowed (X-CLIP reads 77 tokens)", i+1, len(l), MaxLabelBytes)
		}
		if j, ok := seen[l]; ok {
			return fmt.Errorf("label %d %q repeats label %d", i+1, l, j+1)
		}
		seen[l] = i
	}
	return nil
}

// SplitLabels splits "a;b;c" (the element's labels property, the CLI's --labels), trimming blanks and
// dropping empty entries.
func SplitLabels(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ";") {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// ParseLabels splits a "a;b;c" list and checks it with CheckLabels.
func ParseLabels(text string) ([]string, error) {
	names := SplitLabels(text)
	if len(names) == 0 {
		return nil, fmt.Errorf("labels %.80q has no label: separate labels with \";\"", text)
	}
	if err := CheckLabels(names); err != nil {
		return nil, fmt.Errorf("labels: %w", err)
	}
	return names, nil
}

// Prompts applies a prompt template ("a video of {}", {} standing for the label) to labels: the texts
// the text encoder reads.
func Prompts(template string, labels []string) []string {
	prompts := make([]string, len(labels))
	for i, l := range labels {
		prompts[i] = strings.ReplaceAll(template, "{}", l)
	}
	return prompts
}
