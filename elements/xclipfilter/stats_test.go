package xclipfilter

import (
	"testing"
	"time"
)

// TestTrackingStats: before any result the figures are -1; the percentiles cover the last 256
// inference times only (nearest rank); the age counts from the last result.
func TestTrackingStats(t *testing.T) {
	k := tracking{events: NewEventTracker()}
	now := time.Now()
	if s := k.stats(now); s.Windows != 0 || s.InferenceP50 != -1 || s.InferenceP95 != -1 || s.LastResultAge != -1 ||
		s.OpenEvents == nil || len(s.OpenEvents) != 0 {
		t.Fatalf("empty stats %+v", s)
	}
	for i := 1; i <= 300; i++ {
		k.record(float64(i), now)
	}
	// Kept: 45..300. p50: rank 128 -> 172; p95: rank ceil(243.2) = 244 -> 288.
	s := k.stats(now.Add(1500 * time.Millisecond))
	if s.Windows != 300 || s.InferenceP50 != 172 || s.InferenceP95 != 288 || s.LastResultAge != 1500 {
		t.Fatalf("stats %+v", s)
	}
}
