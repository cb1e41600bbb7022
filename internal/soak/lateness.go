package soak

import (
	"math"
	"slices"
	"sync"
	"time"
)

// Lateness collects buffer lateness samples, each stamped with the wall-clock time it was taken, from
// the streaming thread (Add) for the test goroutine (P99).
type Lateness struct {
	mu      sync.Mutex
	at      []time.Time
	late    []time.Duration
	unknown uint64 // buffers without a timestamp or a running time
}

// Add records the lateness of one buffer that arrived at now.
func (l *Lateness) Add(now time.Time, late time.Duration) {
	l.mu.Lock()
	l.at = append(l.at, now)
	l.late = append(l.late, late)
	l.mu.Unlock()
}

// Unknown counts a buffer whose lateness cannot be known.
func (l *Lateness) Unknown() {
	l.mu.Lock()
	l.unknown++
	l.mu.Unlock()
}

// Counts returns the samples taken and the buffers without one.
func (l *Lateness) Counts() (samples int, unknown uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.late), l.unknown
}

// Max returns the highest lateness seen, 0 for no samples.
func (l *Lateness) Max() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	var m time.Duration
	for _, d := range l.late {
		m = max(m, d)
	}
	return m
}

// P99 returns the 99th percentile (nearest rank) of the samples taken in [from, to), with their count;
// -1 when there is none.
func (l *Lateness) P99(from, to time.Time) (time.Duration, int) {
	l.mu.Lock()
	var in []time.Duration
	for i, t := range l.at {
		if !t.Before(from) && t.Before(to) {
			in = append(in, l.late[i])
		}
	}
	l.mu.Unlock()
	return Quantile(in, 0.99), len(in)
}

// Quantile returns the q-quantile of d by nearest rank (the smallest value with at least q of the
// samples at or below it), -1 for no samples. d is sorted in place.
func Quantile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return -1
	}
	slices.Sort(d)
	rank := int(math.Ceil(q * float64(len(d))))
	return d[min(max(rank, 1), len(d))-1]
}
