package watch

import "time"

// Backoff is the wait before reconnecting a source: Min after a drop of a source that was working,
// doubling at every failure in a row up to Max, so that a camera that is down for hours is tried
// every Max and not hammered.
type Backoff struct {
	Min, Max time.Duration
	next     time.Duration
}

// Next returns the wait before the next attempt and doubles the one after.
func (b *Backoff) Next() time.Duration {
	if b.next < b.Min {
		b.next = b.Min
	}
	d := min(b.next, b.Max)
	b.next = min(2*d, b.Max)
	return d
}

// Reset makes the next wait Min again: the source worked (it delivered a result).
func (b *Backoff) Reset() { b.next = b.Min }
