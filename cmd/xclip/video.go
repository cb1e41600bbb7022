//go:build cgo

package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/go-gst/go-gst/gst"
	"github.com/go-gst/go-gst/gst/app"

	"github.com/xclipfilter/xclipfilter/engine"
	"github.com/xclipfilter/xclipfilter/model"
	"github.com/xclipfilter/xclipfilter/model/preprocess"
)

// videoFlags are classify's flags for a video file.
type videoFlags struct {
	frameInterval, windowStride *int
}

func addVideoFlags(fs *flag.FlagSet) *videoFlags {
	return &videoFlags{
		frameInterval: fs.Int("frame-interval", 4, "video: sample every Nth frame into the window"),
		windowStride:  fs.Int("window-stride", 0, "video: sampled frames between two windows (0: the model's num_frames, no overlap)"),
	}
}

// isVideo reports whether classify's FRAME arguments are one video file rather than images.
func isVideo(files []string) bool {
	if len(files) != 1 {
		return false
	}
	switch strings.ToLower(filepath.Ext(files[0])) {
	case ".png", ".jpg", ".jpeg":
		return false
	}
	return true
}

// timelineEntry is one JSON line of a video's timeline.
type timelineEntry struct {
	Window      uint64    `json:"window"`
	Start       float64   `json:"start"` // seconds: PTS of the window's first frame
	End         float64   `json:"end"`   // seconds: PTS of its last frame
	StartNS     int64     `json:"start_ns"`
	EndNS       int64     `json:"end_ns"`
	Labels      []string  `json:"labels"`
	Logits      []float32 `json:"logits"` // the window's logits_per_video row
	Scores      []float32 `json:"scores"` // softmax of logits
	TopLabel    string    `json:"top_label"`
	TopScore    float32   `json:"top_score"`
	Final       bool      `json:"final,omitempty"` // the partial window at the end of the file
	InferenceMS float64   `json:"inference_ms"`
}

var gstInit sync.Once

// classifyVideo decodes a video file with GStreamer (uridecodebin), classifies windows across it
// with the engine (blocking: every window, none skipped) and prints one JSON line per window.
func classifyVideo(c *model.Classifier, set model.LabelSet, path string, vf *videoFlags, stdout, stderr io.Writer) error {
	if *vf.frameInterval < 1 {
		return usageError{fmt.Errorf("--frame-interval must be at least 1, got %d", *vf.frameInterval)}
	}
	if *vf.windowStride < 0 {
		return usageError{fmt.Errorf("--window-stride must be 0 or more, got %d", *vf.windowStride)}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	if st, err := os.Stat(abs); err != nil {
		return fmt.Errorf("video: %w", err)
	} else if st.IsDir() {
		return fmt.Errorf("video %s is a directory", path)
	}
	gstInit.Do(func() { gst.Init(nil) })

	stride := *vf.windowStride
	if stride == 0 {
		stride = c.NumFrames()
	}
	enc := json.NewEncoder(stdout)
	var mu sync.Mutex
	var outErr, inferErr error
	windows := 0
	eng, err := engine.NewLabelSet(c, engine.Config{FrameInterval: *vf.frameInterval, WindowStride: stride, Blocking: true}, set,
		func(r engine.Result) {
			mu.Lock()
			defer mu.Unlock()
			if r.Err != nil {
				if inferErr == nil {
					inferErr = fmt.Errorf("window %d: %w", r.Window, r.Err)
				}
				return
			}
			windows++
			e := timelineEntry{
				Window: r.Window, Start: seconds(r.WindowStart), End: seconds(r.WindowEnd), StartNS: r.WindowStart,
				EndNS: r.WindowEnd, Labels: r.Labels, Logits: r.Logits, Scores: r.Scores, Final: r.Final,
				InferenceMS: float64(r.InferenceTime.Microseconds()) / 1000, TopLabel: r.TopLabel, TopScore: r.TopScore,
			}
			if err := enc.Encode(e); err != nil && outErr == nil {
				outErr = err
			}
		})
	if err != nil {
		return err
	}
	defer eng.Close()

	pipeline, err := gst.NewPipelineFromString("uridecodebin name=src ! videoconvert ! video/x-raw,format=RGB ! appsink name=sink sync=false max-buffers=2")
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
	sinkEl, err := pipeline.GetElementByName("sink")
	if err != nil {
		return err
	}
	sink := app.SinkFromElement(sinkEl)
	bus := pipeline.GetPipelineBus()
	if err := pipeline.SetState(gst.StatePlaying); err != nil {
		if e := busError(bus, time.Second); e != nil {
			return fmt.Errorf("video %s: %w", path, e)
		}
		return fmt.Errorf("video %s: %w", path, err)
	}
	frames := 0
	for {
		sample := sink.TryPullSample(gst.ClockTime(100 * time.Millisecond))
		if sample == nil {
			if sink.IsEOS() {
				break
			}
			if e := busError(bus, 0); e != nil {
				return fmt.Errorf("video %s: %w", path, e)
			}
			continue
		}
		frames++
		if !eng.WantFrame() {
			continue
		}
		f, pts, err := rgbFrame(sample)
		runtime.KeepAlive(sample)
		if err != nil {
			return fmt.Errorf("video %s: frame %d: %w", path, frames, err)
		}
		eng.Push(engine.Frame{Frame: f, PTS: pts, Duration: engine.ClockTimeNone, RunningTime: engine.ClockTimeNone,
			StreamTime: pts})
	}
	if e := busError(bus, 0); e != nil {
		return fmt.Errorf("video %s: %w", path, e)
	}
	if frames == 0 {
		return fmt.Errorf("video %s: no video frames", path)
	}
	eng.Drain()
	mu.Lock()
	defer mu.Unlock()
	if inferErr != nil {
		return inferErr
	}
	if windows == 0 {
		fmt.Fprintf(stderr, "xclip classify: warning: %s has %d frames, too few for a window\n", path, frames)
	}
	return outErr
}

func seconds(ns int64) float64 {
	if ns < 0 {
		return -1
	}
	return float64(ns) / float64(time.Second)
}

// busError returns the first error message on the bus, waiting up to wait for one.
func busError(bus *gst.Bus, wait time.Duration) error {
	msg := bus.TimedPopFiltered(gst.ClockTime(wait), gst.MessageError)
	if msg == nil {
		return nil
	}
	gerr := msg.ParseError()
	if gerr == nil {
		return errors.New("GStreamer error")
	}
	return errors.New(gerr.Error())
}

// rgbFrame copies an RGB sample (rows padded to 4 bytes, as videoconvert lays them out) into a
// packed frame.
func rgbFrame(sample *gst.Sample) (preprocess.Frame, int64, error) {
	caps := sample.GetCaps()
	if caps == nil || caps.GetSize() == 0 {
		return preprocess.Frame{}, 0, errors.New("sample without caps")
	}
	s := caps.GetStructureAt(0)
	wv, err1 := s.GetValue("width")
	hv, err2 := s.GetValue("height")
	w, ok1 := wv.(int)
	h, ok2 := hv.(int)
	if err1 != nil || err2 != nil || !ok1 || !ok2 || w < 1 || h < 1 {
		return preprocess.Frame{}, 0, fmt.Errorf("caps %s have no size", caps)
	}
	buf := sample.GetBuffer()
	if buf == nil {
		return preprocess.Frame{}, 0, errors.New("sample without buffer")
	}
	pts := int64(-1)
	if p := buf.PresentationTimestamp(); p != gst.ClockTimeNone && int64(p) >= 0 {
		pts = int64(p)
	}
	stride := (3*w + 3) &^ 3
	m := buf.Map(gst.MapRead)
	defer buf.Unmap()
	data := m.Bytes()
	if len(data) < stride*(h-1)+3*w {
		return preprocess.Frame{}, 0, fmt.Errorf("%dx%d RGB buffer has %d bytes", w, h, len(data))
	}
	pix := make([]byte, 3*w*h)
	for y := range h {
		copy(pix[3*w*y:3*w*(y+1)], data[y*stride:])
	}
	return preprocess.Frame{Pix: pix, Width: w, Height: h, Stride: 3 * w}, pts, nil
}
