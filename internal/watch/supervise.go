package watch

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"time"

	"github.com/go-gst/go-gst/gst"

	"github.com/xclipfilter/xclipfilter/elements/xclipfilter"
)

// outcome is how one run of a source's pipeline ended.
type outcome int

const (
	outcomeDropped outcome = iota // error, end of a live stream or stall: reconnect after the backoff
	outcomeEnded                  // a file's end: the source is done
	outcomeStopped                // watch is stopping
	outcomeFailed                 // the classifier refused to start: no point in retrying
	outcomeReplay                 // a file's end with Loop: start it again at once
)

// supervise runs one source until ctx is done, the source ends, or it cannot run at all (the error).
func (w *watcher) supervise(ctx context.Context, src Source) error {
	b := Backoff{Min: w.cfg.BackoffMin, Max: w.cfg.BackoffMax}
	for dropped := false; ; {
		w.update(src.Name, func(s *Status) {
			if dropped {
				s.Restarts++
			}
			s.State, s.Reason, s.RetryIn, s.LastBufferAge = StateStarting, "", 0, -1
		})
		out, reason := w.runOnce(ctx, src, &b)
		dropped = out == outcomeDropped
		switch out {
		case outcomeStopped:
			return nil
		case outcomeEnded:
			w.update(src.Name, func(s *Status) { s.State, s.Reason = StateEnded, reason })
			return nil
		case outcomeFailed:
			w.update(src.Name, func(s *Status) { s.State, s.Reason = StateFailed, reason })
			return fmt.Errorf("%w: %s: %s", ErrFailed, src.Name, reason)
		case outcomeReplay:
			continue
		}
		wait := b.Next()
		w.update(src.Name, func(s *Status) { s.State, s.Reason, s.RetryIn = StateDown, reason, wait })
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// run is one pipeline's life, as the bus tells it.
type run struct {
	w        *watcher
	src      Source
	results  uint64 // results of this run
	skipped  uint64 // windows-skipped of this run, as last reported
	baseSkip uint64 // the source's skipped windows before this run
}

// runOnce builds the source's pipeline, plays it until it drops, ends or ctx is done, and tears it
// down. reason says why it ended.
func (w *watcher) runOnce(ctx context.Context, src Source, b *Backoff) (outcome, string) {
	w.mu.Lock()
	r := &run{w: w, src: src, baseSkip: w.status[src.Name].WindowsSkipped}
	w.mu.Unlock()
	p, err := w.build(src)
	if err != nil {
		return outcomeFailed, err.Error()
	}
	defer func() {
		p.SetState(gst.StateNull) // stops the elements: every message of this run has been posted
		p = nil
		runtime.GC() // the pipeline's C memory goes with its Go wrappers: free it now, not at some later GC
	}()
	bus := p.GetPipelineBus()
	// A refused state change leaves its reason (a refused model, an unreachable device) on the bus,
	// handled below.
	_ = p.SetState(gst.StatePlaying)
	for {
		select {
		case <-ctx.Done():
			return outcomeStopped, "stopping"
		default:
		}
		msg := bus.TimedPopFiltered(gst.ClockTime(100*time.Millisecond),
			gst.MessageError|gst.MessageWarning|gst.MessageEOS|gst.MessageElement)
		if msg == nil {
			continue
		}
		if out, reason, done := r.handle(msg, b); done {
			return out, reason
		}
	}
}

// build makes the source's pipeline and sets its properties (nothing is quoted into the description).
func (w *watcher) build(src Source) (*gst.Pipeline, error) {
	p, err := gst.NewPipelineFromString(src.PipelineDescription())
	if err != nil {
		return nil, fmt.Errorf("cannot build the pipeline (are gstreamer1.0-plugins-base/-good/-libav installed?): %w", err)
	}
	s, err := p.GetElementByName("src")
	if err != nil {
		return nil, err
	}
	prop, value := src.uriProperty()
	if err := s.SetProperty(prop, value); err != nil {
		return nil, fmt.Errorf("%s: %w", prop, err)
	}
	if src.Kind == KindRTSP {
		s.SetArg("latency", strconv.FormatInt(w.cfg.Latency.Milliseconds(), 10))
	}
	x, err := p.GetElementByName("classifier")
	if err != nil {
		return nil, err
	}
	c := w.cfg
	args := [][2]string{{"model", c.Model}, {"prompt-template", c.Template}, {"source", src.Name},
		{"frame-interval", strconv.FormatUint(uint64(c.FrameInterval), 10)},
		{"stall-timeout", strconv.FormatInt(c.StallTimeout.Milliseconds(), 10)},
		{"stats-interval", "1"}} // the status's buffer age and inference time
	if c.Labels != "" {
		args = append(args, [2]string{"labels", c.Labels})
	} else {
		args = append(args, [2]string{"labels-file", c.LabelsFile})
	}
	for _, a := range args {
		if err := x.SetProperty(a[0], a[1]); err != nil {
			x.SetArg(a[0], a[1]) // a number or an enum: parsed from its text
		}
	}
	return p, nil
}

// handle reads one bus message; done says the run is over.
func (r *run) handle(msg *gst.Message, b *Backoff) (out outcome, reason string, done bool) {
	name := r.src.Name
	switch msg.Type() {
	case gst.MessageError:
		err := msg.ParseError()
		reason = "error: " + err.Error()
		if msg.Source() == "classifier" && r.results == 0 {
			// The classifier refused to start (model, labels): every attempt would fail alike.
			return outcomeFailed, reason, true
		}
		return outcomeDropped, reason, true
	case gst.MessageWarning:
		r.w.logf("%s: warning: %v", name, msg.ParseWarning())
	case gst.MessageEOS:
		if !r.src.Kind.Live() {
			if r.w.cfg.Loop {
				return outcomeReplay, "", true
			}
			return outcomeEnded, "end of file", true
		}
		return outcomeDropped, "end of stream", true
	case gst.MessageElement:
		if res, ok := xclipfilter.ParseMessage(msg); ok {
			r.results++
			r.skipped = res.WindowsSkipped
			b.Reset() // the source works: the next drop reconnects quickly again
			r.w.pub.forward(msg)
			r.w.update(name, func(s *Status) {
				s.State, s.Reason = StatePlaying, ""
				s.Windows++
				s.WindowsSkipped = r.baseSkip + r.skipped
				s.LastResult = time.Now()
			})
			return
		}
		if st, ok := xclipfilter.ParseStatsMessage(msg); ok {
			r.skipped = max(r.skipped, st.WindowsSkipped)
			r.w.update(name, func(s *Status) {
				s.LastBufferAge, s.InferenceP50 = st.LastBufferAge, st.InferenceP50
				s.WindowsSkipped = r.baseSkip + r.skipped
				if st.LastBufferAge >= 0 && s.State == StateStarting && !st.Stalled {
					s.State = StatePlaying // frames arrive; results follow once the labels are encoded
				}
			})
			return
		}
		s := msg.GetStructure()
		if s == nil {
			return
		}
		switch s.Name() {
		case xclipfilter.LabelEventName:
			r.w.pub.forward(msg)
		case xclipfilter.StalledName:
			// xclipfilter has already posted the warning, which the log shows.
			reason = "stalled"
			if v, err := s.GetValue("stalled-for"); err == nil {
				if ms, ok := v.(float64); ok {
					reason = fmt.Sprintf("stalled: no video for %.1f s", ms/1000)
				}
			}
			r.w.update(name, func(s *Status) { s.State, s.Reason = StateStalled, reason })
			return outcomeDropped, reason, true
		}
	}
	return
}
