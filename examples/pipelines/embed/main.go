// Command embed runs the xclipfilter element inside a Go application: the element is registered in
// the process (no plugin file, no GST_PLUGIN_PATH) and every window's result arrives through a Go
// callback, typed.
//
//	go run ./examples/pipelines/embed --model ./xclip-base-patch32 --labels "a fall;a fight;nobody" --input video.mp4
//	go run ./examples/pipelines/embed --model ./xclip-base-patch32 --labels "a ball;a dog"   # videotestsrc
//
// It needs the GStreamer development files at build time (cgo) and plugins-base at run time.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/go-gst/go-gst/gst"

	"github.com/xclipfilter/xclipfilter/elements/xclipfilter"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("embed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	model := fs.String("model", "", "X-CLIP checkpoint folder, or Hugging Face hub id org/name[@revision]")
	labels := fs.String("labels", "a ball;a dog;a car", `labels separated by ";"`)
	template := fs.String("template", "{}", `prompt template, {} standing for the label (labels are encoded as written by default), e.g. "a video of {}"`)
	input := fs.String("input", "", "video file (default: a videotestsrc clip)")
	frames := fs.Int("frames", 120, "frames of the videotestsrc clip")
	interval := fs.Int("frame-interval", 4, "sample every Nth frame")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *model == "" {
		fmt.Fprintln(stderr, "embed: --model is required")
		return 2
	}
	n, err := classify(*model, *labels, *template, *input, *frames, *interval, func(r xclipfilter.Result) {
		fmt.Fprintf(stdout, "window %3d  %7.3fs - %7.3fs  %-24s %.3f  (%.1f ms, %d skipped)\n", r.Window,
			seconds(r.WindowStart), seconds(r.WindowEnd), r.TopLabel, r.TopScore, r.InferenceTime, r.WindowsSkipped)
	})
	if err != nil {
		fmt.Fprintf(stderr, "embed: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "%d windows\n", n)
	return 0
}

func seconds(ns uint64) float64 {
	if ns == xclipfilter.ClockTimeNone {
		return -1
	}
	return float64(ns) / 1e9
}

// classify plays the input through xclipfilter to the end and returns how many results it gave.
func classify(model, labels, template, input string, frames, interval int, onResult func(xclipfilter.Result)) (int, error) {
	gst.Init(nil)
	if err := xclipfilter.RegisterStatic(); err != nil {
		return 0, err
	}
	source := fmt.Sprintf("videotestsrc num-buffers=%d pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1", frames)
	if input != "" {
		abs, err := filepath.Abs(input)
		if err != nil {
			return 0, err
		}
		// uridecodebin's own error ("Resource not found") does not say which file.
		f, err := os.Open(abs)
		if err != nil {
			return 0, fmt.Errorf("cannot read the input video: %w", err)
		}
		f.Close()
		source = "uridecodebin uri=" + strconv.Quote((&url.URL{Scheme: "file", Path: abs}).String())
	}
	pipeline, err := gst.NewPipelineFromString(source + " ! videoconvert ! xclipfilter name=classifier ! fakesink")
	if err != nil {
		return 0, err
	}
	defer pipeline.SetState(gst.StateNull)
	x, err := pipeline.GetElementByName("classifier")
	if err != nil {
		return 0, err
	}
	for _, p := range [][2]string{{"model", model}, {"labels", labels}, {"prompt-template", template},
		{"frame-interval", strconv.Itoa(interval)}, {"blocking", "true"}} {
		x.SetArg(p[0], p[1])
	}
	count := 0
	if err := xclipfilter.SetResultCallback(x, func(r xclipfilter.Result) {
		count++ // the callback runs on one goroutine at a time
		onResult(r)
	}); err != nil {
		return 0, err
	}
	bus := pipeline.GetPipelineBus()
	if err := pipeline.SetState(gst.StatePlaying); err != nil {
		if msg := bus.TimedPopFiltered(gst.ClockTime(time.Second), gst.MessageError); msg != nil {
			return 0, msg.ParseError()
		}
		return 0, err
	}
	for {
		msg := bus.TimedPopFiltered(gst.ClockTimeNone, gst.MessageEOS|gst.MessageError)
		if msg == nil {
			return count, errors.New("bus closed")
		}
		if msg.Type() == gst.MessageError {
			return count, msg.ParseError()
		}
		pipeline.SetState(gst.StateNull) // stops the element: every callback has returned
		return count, nil
	}
}
