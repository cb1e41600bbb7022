//go:build cgo

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/go-gst/go-gst/gst"

	"github.com/xclipfilter/xclipfilter/elements/xclipfilter"
)

// A video file is classified by the xclipfilter element itself, registered in this process: the one
// path from GStreamer to the model. Its frames are mapped (GstVideoMeta strides and all), converted,
// windowed and classified exactly as in any pipeline, and each window's result comes back through the
// element's Go callback.

// videoPipeline is what classify plays; the element is named classifier.
const videoPipeline = "uridecodebin name=src ! videoconvert ! xclipfilter name=classifier blocking=true ! fakesink sync=false"

// timelineEntry is one JSON line of a video's timeline. Times are null when unknown.
type timelineEntry struct {
	Window      uint64    `json:"window"`
	Start       *float64  `json:"start"` // seconds: PTS of the window's first frame
	End         *float64  `json:"end"`   // seconds: PTS of its last frame
	StartNS     *uint64   `json:"start_ns"`
	EndNS       *uint64   `json:"end_ns"`
	Labels      []string  `json:"labels"`
	Logits      []float32 `json:"logits"` // the window's logits_per_video row
	Scores      []float32 `json:"scores"` // softmax of logits
	TopLabel    string    `json:"top_label"`
	TopScore    float32   `json:"top_score"`
	Final       bool      `json:"final,omitempty"` // the partial window at the end of the file
	InferenceMS float64   `json:"inference_ms"`
}

func newTimelineEntry(r xclipfilter.Result) timelineEntry {
	// The model computes float32: printed as such, they read as they always have (0.901028, not
	// 0.901028037071228).
	e := timelineEntry{Window: r.Window, Labels: r.Labels, Logits: narrow(r.Logits), Scores: narrow(r.Scores),
		TopLabel: r.TopLabel, TopScore: float32(r.TopScore), Final: r.Final, InferenceMS: r.InferenceTime}
	e.StartNS, e.Start = knownTime(r.WindowStart)
	e.EndNS, e.End = knownTime(r.WindowEnd)
	return e
}

func narrow(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// knownTime is a time as nanoseconds and seconds, or nils when unknown.
func knownTime(ns uint64) (*uint64, *float64) {
	if ns == xclipfilter.ClockTimeNone {
		return nil, nil
	}
	s := float64(ns) / float64(time.Second)
	return &ns, &s
}

var gstInit sync.Once

// classifyVideo plays path through xclipfilter (blocking: every window, none skipped) and prints one
// JSON line per window as its result arrives.
func classifyVideo(o classifyOptions, path string, vf *videoFlags, stdout, stderr io.Writer) error {
	if err := vf.check(); err != nil {
		return err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	// uridecodebin's own errors ("Resource not found") do not say which file.
	if st, err := os.Stat(abs); err != nil {
		return fmt.Errorf("video: %w", err)
	} else if st.IsDir() {
		return fmt.Errorf("video %s is a directory", path)
	}
	gstInit.Do(func() { gst.Init(nil) })
	if err := xclipfilter.RegisterStatic(); err != nil {
		return err
	}
	pipeline, err := gst.NewPipelineFromString(videoPipeline)
	if err != nil {
		return fmt.Errorf("GStreamer pipeline: %w (are gstreamer1.0-plugins-base and -good installed?)", err)
	}
	defer pipeline.SetState(gst.StateNull)
	src, err := pipeline.GetElementByName("src")
	if err != nil {
		return err
	}
	if err := src.SetProperty("uri", (&url.URL{Scheme: "file", Path: abs}).String()); err != nil {
		return err
	}
	x, err := pipeline.GetElementByName("classifier")
	if err != nil {
		return err
	}
	labels := [2]string{"labels", o.labels}
	if o.labelsFile != "" {
		labels = [2]string{"labels-file", o.labelsFile}
	}
	for _, p := range [][2]string{
		{"model", o.model}, labels, {"prompt-template", o.template}, {"device", o.device},
		{"precision", o.precision}, {"threads", strconv.Itoa(o.threads)},
		{"frame-interval", strconv.Itoa(*vf.frameInterval)}, {"window-stride", strconv.Itoa(*vf.windowStride)},
	} {
		x.SetArg(p[0], p[1]) // every value checked above: GObject would only warn about a bad one
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	var mu sync.Mutex // the callback runs on the inference goroutine, the last window on the streaming thread
	var outErr error
	windows := 0
	if err := xclipfilter.SetResultCallback(x, func(r xclipfilter.Result) {
		mu.Lock()
		defer mu.Unlock()
		windows++
		if err := enc.Encode(newTimelineEntry(r)); err != nil && outErr == nil {
			outErr = err
		}
	}); err != nil {
		return err
	}
	failed, err := play(pipeline, x.GetName(), stderr)
	pipeline.SetState(gst.StateNull) // stops the element: every callback has returned
	if err != nil {
		return fmt.Errorf("video %s: %w", path, err)
	}
	mu.Lock()
	defer mu.Unlock()
	switch {
	case outErr != nil:
		return outErr
	case failed != nil:
		return fmt.Errorf("video %s: %w", path, failed)
	case windows == 0:
		return fmt.Errorf("video %s: no video frames to classify", path)
	}
	return nil
}

// codeFailed is GST_STREAM_ERROR_FAILED (and GST_CORE_ERROR_FAILED): the code of the classifier's
// warnings about a window that gave no result (inference failed, non-finite scores, a panicking
// callback). Its other warnings (a label truncated to the context length, say) leave the result intact.
const codeFailed = 1

// play runs the pipeline to EOS, printing the classifier's warnings; it returns the first warning
// that cost a window its result, and the first error.
func play(pipeline *gst.Pipeline, classifier string, stderr io.Writer) (failed, err error) {
	bus := pipeline.GetPipelineBus()
	if err := pipeline.SetState(gst.StatePlaying); err != nil {
		if msg := bus.TimedPopFiltered(gst.ClockTime(time.Second), gst.MessageError); msg != nil {
			return nil, msg.ParseError()
		}
		return nil, err
	}
	for {
		msg := bus.TimedPopFiltered(gst.ClockTimeNone, gst.MessageEOS|gst.MessageError|gst.MessageWarning)
		switch {
		case msg == nil:
			return failed, errors.New("the pipeline's bus closed before the end of the video")
		case msg.Type() == gst.MessageError:
			return failed, msg.ParseError()
		case msg.Type() == gst.MessageEOS:
			return failed, nil
		case msg.Source() == classifier:
			w := msg.ParseWarning()
			fmt.Fprintf(stderr, "xclip classify: warning: %s\n", w.Error())
			if w.Code() == codeFailed && failed == nil {
				failed = w
			}
		}
	}
}
