package model

import "fmt"

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
