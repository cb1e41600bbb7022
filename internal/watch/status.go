package watch

import (
	"fmt"
	"strings"
	"time"
)

// State is where a source is in its life.
type State string

const (
	StateStarting State = "starting" // the pipeline is being built and started
	StatePlaying  State = "playing"  // started; results come as frames arrive
	StateStalled  State = "stalled"  // no frames for stall-timeout: being restarted
	StateDown     State = "down"     // dropped (error, end of a live stream, stall): waiting to reconnect
	StateEnded    State = "ended"    // a file source reached its end (without --loop)
	StateFailed   State = "failed"   // cannot run at all (bad model or labels): watch stops
)

// StatusName names the published per-source status documents.
const StatusName = "xclip-source-status"

// Status is one source's health, as printed and published.
type Status struct {
	Source         string
	State          State
	Windows        uint64        // results since watch started, over every restart
	WindowsSkipped uint64        // windows skipped since watch started, over every restart
	Restarts       uint64        // pipelines rebuilt after a drop
	LastResult     time.Time     // zero before the first result
	LastBufferAge  float64       // ms, from the last xclip-stats of the running pipeline; -1 unknown
	InferenceP50   float64       // ms, from the last xclip-stats; -1 unknown
	Reason         string        // why it is down (the error, "end of stream", "stalled ...")
	RetryIn        time.Duration // wait before the next attempt, when down
}

// LastResultAge is the ms since the last result, -1 before the first.
func (s *Status) LastResultAge(now time.Time) float64 {
	if s.LastResult.IsZero() {
		return -1
	}
	return float64(now.Sub(s.LastResult).Microseconds()) / 1000
}

// Line is the status as one human-readable line.
func (s *Status) Line(now time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s  windows %d  skipped %d  restarts %d", s.Source, s.State, s.Windows, s.WindowsSkipped, s.Restarts)
	if age := s.LastResultAge(now); age >= 0 {
		fmt.Fprintf(&b, "  last result %.1f s ago", age/1000)
	} else {
		b.WriteString("  no result yet")
	}
	if s.Reason != "" && (s.State == StateDown || s.State == StateStalled || s.State == StateFailed || s.State == StateEnded) {
		fmt.Fprintf(&b, "  (%s)", s.Reason)
	}
	if s.State == StateDown && s.RetryIn > 0 {
		fmt.Fprintf(&b, "  retry in %s", s.RetryIn.Round(100*time.Millisecond))
	}
	return b.String()
}
