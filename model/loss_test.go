package model_test

import (
	"fmt"
	"math"
)

// contrastiveLoss is X-CLIP's training loss (the peer's return_loss=True, which the golden files hold)
// for a square logits_per_video [n, n] whose i-th video goes with the i-th label: the mean of the
// cross-entropies over rows (videos) and over columns (labels). Inference never needs it.
func contrastiveLoss(logits []float32, n int) (float32, error) {
	if len(logits) != n*n {
		return 0, fmt.Errorf("contrastive loss needs square logits, got %d values for %d videos", len(logits), n)
	}
	at := func(r, c int) float64 { return float64(logits[r*n+c]) }
	crossEntropy := func(transposed bool) float64 {
		var total float64
		for r := range n {
			get := func(c int) float64 {
				if transposed {
					return at(c, r)
				}
				return at(r, c)
			}
			mx := math.Inf(-1)
			for c := range n {
				mx = math.Max(mx, get(c))
			}
			var sum float64
			for c := range n {
				sum += math.Exp(get(c) - mx)
			}
			total += mx + math.Log(sum) - get(r)
		}
		return total / float64(n)
	}
	return float32((crossEntropy(false) + crossEntropy(true)) / 2), nil
}
