//go:build cgo

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/xclipfilter/xclipfilter/internal/watch"
)

const watchUsage = `usage: xclip watch --model DIR|ORG/NAME --labels "a;b;c" [flags] NAME=URI...

Classifies every source in one process, each in a pipeline of its own, and keeps them running: a
source that drops (server gone, network cut, end of a live stream, no frames for --stall-timeout) is
rebuilt after a backoff (--backoff-min, doubling up to --backoff-max) while the others go on.

URI: rtsp://..., rtsps://..., http(s)://... (live streams), /dev/videoN (V4L2), a file or file://...
(ends at its end, unless --loop). NAME names the source in results, statuses and {source} of topics.

Results ("xclip"), label events ("xclip-event") and statuses ("xclip-source-status": state, windows,
windows-skipped, restarts, last-result-age, last-buffer-age, inference-p50, reason, retry-in) are
published as JSON by xclipmetapublish: to --publish mqtt://HOST:PORT/TOPIC, or to --publish-file
(default "-": standard output, one object per line). Status lines go to standard error, on every
change and every --status-interval. SIGINT or SIGTERM stops.

flags:
`

func runWatch(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("watch", stderr)
	model := fs.String("model", "", "checkpoint folder, or hub id ORG/NAME[@REVISION]")
	labels := fs.String("labels", "", `labels separated by ";", e.g. "a fall;a fight;nobody"`)
	labelsFile := fs.String("labels-file", "", "file with one label per line (instead of --labels)")
	template := fs.String("template", "{}", `prompt template; "{}" stands for the label`)
	frameInterval := fs.Uint("frame-interval", 4, "sample every Nth frame into the window")
	publish := fs.String("publish", "", "publish to MQTT: mqtt://HOST[:PORT][/TOPIC] (topic default xclip/{source})")
	publishFile := fs.String("publish-file", "-", `publish to this file, one JSON object per line ("-": standard output)`)
	statusInterval := fs.Duration("status-interval", 10*time.Second, "print and publish every source's status this often (0: on changes only)")
	stallTimeout := fs.Duration("stall-timeout", 10*time.Second, "restart a source that delivers no frame for this long (0: never)")
	backoffMin := fs.Duration("backoff-min", time.Second, "first wait before reconnecting a dropped source")
	backoffMax := fs.Duration("backoff-max", 30*time.Second, "longest wait between reconnection attempts")
	latency := fs.Duration("latency", 200*time.Millisecond, "RTSP jitter buffer")
	loop := fs.Bool("loop", false, "replay file sources at their end (like cameras) instead of ending them")
	duration := fs.Duration("duration", 0, "stop after this long (0: until SIGINT or SIGTERM)")
	fs.Usage = func() {
		fmt.Fprint(stderr, watchUsage)
		fs.PrintDefaults()
	}
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *model == "" {
		return usageError{errors.New("--model is required")}
	}
	if (*labels == "") == (*labelsFile == "") {
		return usageError{errors.New(`set one of --labels (e.g. --labels "a fall;nobody") and --labels-file`)}
	}
	if *stallTimeout < 0 || *stallTimeout > 24*time.Hour || *backoffMin <= 0 || *backoffMax < *backoffMin {
		return usageError{errors.New("--stall-timeout must be 0-24h, --backoff-min above 0 and --backoff-max at least --backoff-min")}
	}
	sources, err := watch.ParseSources(rest)
	if err != nil {
		return usageError{err}
	}
	pub := watch.Publish{Method: "file", FilePath: *publishFile}
	if *publish != "" {
		if pub, err = watch.ParsePublishURL(*publish); err != nil {
			return usageError{err}
		}
	}
	if pub.Method == "file" && pub.FilePath == "-" {
		os.Stdout.Sync() // the element writes to the process's standard output
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}
	for _, s := range sources {
		fmt.Fprintf(stderr, "xclip watch: %s = %s (%s)\n", s.Name, s.Display(), s.Kind)
	}
	return watch.Run(ctx, sources, watch.Config{
		Model: *model, Labels: *labels, LabelsFile: *labelsFile, Template: *template, FrameInterval: *frameInterval,
		StallTimeout: *stallTimeout, StatusInterval: *statusInterval, BackoffMin: *backoffMin, BackoffMax: *backoffMax,
		Latency: *latency, Loop: *loop, Publish: pub, Log: stderr,
	})
}
