package xclipfilter

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// The print property writes each result to standard output as well, so that a gst-launch-1.0 line
// or a shell script gets a readable timeline without parsing the serialized structures of -m.

// formatClock writes a GstClockTime as HH:MM:SS.mmm, or --:--:--.--- when unknown.
func formatClock(ns uint64) string {
	if ns == ClockTimeNone {
		return "--:--:--.---"
	}
	ms := ns / 1e6
	return fmt.Sprintf("%02d:%02d:%02d.%03d", ms/3600000, ms/60000%60, ms/1000%60, ms%1000)
}

// textLine is print=text: "00:00:02.133–00:00:04.267  window 3  a fall 0.91 | nobody 0.07", the
// top-labels with their top-scores, best first.
func textLine(r *Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s–%s  window %d  ", formatClock(r.WindowStart), formatClock(r.WindowEnd), r.Window)
	if len(r.TopLabels) == 0 {
		fmt.Fprintf(&b, "(no label at or above threshold; best %s %.2f)", r.TopLabel, r.TopScore)
	}
	for i, l := range r.TopLabels {
		if i > 0 {
			b.WriteString(" | ")
		}
		fmt.Fprintf(&b, "%s %.2f", l, r.TopScores[i])
	}
	if r.Final {
		b.WriteString("  (end of stream)")
	}
	b.WriteByte('\n')
	return b.String()
}

// jsonResult is one line of print=json. Times are nanoseconds (null when unknown) and HH:MM:SS.mmm.
type jsonResult struct {
	Window    uint64    `json:"window"`
	StartNS   *uint64   `json:"start_ns"` // PTS of the window's first frame
	EndNS     *uint64   `json:"end_ns"`   // PTS of its last frame
	Start     string    `json:"start"`
	End       string    `json:"end"`
	Labels    []string  `json:"labels"`
	Logits    []float64 `json:"logits"`
	Scores    []float64 `json:"scores"`
	TopLabels []string  `json:"top_labels"`
	TopScores []float64 `json:"top_scores"`
	Final     bool      `json:"final"`
}

func knownTime(ns uint64) *uint64 {
	if ns == ClockTimeNone {
		return nil
	}
	return &ns
}

// jsonLine is print=json: one object and a newline; labels are written as they are (no \u escapes).
func jsonLine(r *Result) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	err := enc.Encode(jsonResult{
		Window: r.Window, StartNS: knownTime(r.WindowStart), EndNS: knownTime(r.WindowEnd),
		Start: formatClock(r.WindowStart), End: formatClock(r.WindowEnd),
		Labels: r.Labels, Logits: r.Logits, Scores: r.Scores, TopLabels: r.TopLabels, TopScores: r.TopScores,
		Final: r.Final,
	})
	if err != nil {
		return "", fmt.Errorf("window %d as JSON: %w", r.Window, err)
	}
	return b.String(), nil
}

// printLine is the result as the print property asks for it ("" for none).
func printLine(r *Result, mode int) (string, error) {
	switch mode {
	case printText:
		return textLine(r), nil
	case printJSON:
		return jsonLine(r)
	}
	return "", nil
}
