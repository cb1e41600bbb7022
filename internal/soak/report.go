package soak

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// Report is what a soak run measured.
type Report struct {
	Model    string
	Duration time.Duration // wall time from PLAYING to EOS

	Results        uint64  // xclip result messages on the bus: windows classified
	Published      uint64  // xclipmetapublish's published counter (results and label events)
	Dropped        uint64  // xclipmetapublish's dropped counter (while the broker was down)
	Received       int     // documents the test's subscriber got
	WindowsSkipped uint64  // xclipfilter's windows-skipped: windows cut while inference was busy
	InferenceP50   float64 // the last xclip-stats: inference time of the last 256 results, ms
	InferenceP95   float64

	BrokerRestarts int // restarts of the broker
	Survived       int // restarts after which publishing resumed

	RSSStart, RSSEnd, RSSPeak uint64 // bytes: after warm-up, at the end, highest sample

	LateFirst, LateLast   time.Duration // p99 of buffer lateness in the first and last third after warm-up
	LateFirstN, LateLastN int           // their sample counts
	LateMax               time.Duration
	Buffers               int // buffers measured at the sink
}

// Write prints the report as a two-column table.
func (r *Report) Write(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	mb := func(b uint64) string { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }
	rows := [][2]string{
		{"model", r.Model},
		{"duration", r.Duration.Round(time.Second).String()},
		{"results (windows classified)", fmt.Sprint(r.Results)},
		{"published", fmt.Sprint(r.Published)},
		{"dropped (broker down)", fmt.Sprint(r.Dropped)},
		{"received (subscriber)", fmt.Sprint(r.Received)},
		{"windows skipped", fmt.Sprint(r.WindowsSkipped)},
		{"inference p50 / p95 (last 256)", fmt.Sprintf("%.0f ms / %.0f ms", r.InferenceP50, r.InferenceP95)},
		{"broker restarts survived", fmt.Sprintf("%d of %d", r.Survived, r.BrokerRestarts)},
		{"RSS after warm-up / end / peak", fmt.Sprintf("%s / %s / %s", mb(r.RSSStart), mb(r.RSSEnd), mb(r.RSSPeak))},
		{"lateness p99 first / last third", fmt.Sprintf("%s (%d) / %s (%d)", ms(r.LateFirst), r.LateFirstN, ms(r.LateLast), r.LateLastN)},
		{"lateness max", ms(r.LateMax)},
		{"buffers at the sink", fmt.Sprint(r.Buffers)},
	}
	fmt.Fprintln(tw, "soak report\t")
	for _, row := range rows {
		fmt.Fprintf(tw, "  %s\t%s\n", row[0], row[1])
	}
	tw.Flush()
}
