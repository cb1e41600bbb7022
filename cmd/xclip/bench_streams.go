package main

import (
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	"github.com/xclipfilter/xclipfilter/engine"
	"github.com/xclipfilter/xclipfilter/model"
	"github.com/xclipfilter/xclipfilter/model/preprocess"
)

// streamsResult is what `xclip bench --streams N` adds: N engines, as N elements in one process,
// sharing one model through one engine.Scheduler.
type streamsResult struct {
	BatchSize      int     `json:"batch_size"`       // the scheduler's most windows per pass
	BatchTimeoutMS float64 `json:"batch_timeout_ms"` // how long a window may wait for others
	FPS            float64 `json:"fps"`              // frames per second per stream (0: as fast as the model goes, blocking)
	WallS          float64 `json:"wall_s"`           // time to the last result
	Windows        uint64  `json:"windows"`          // windows classified, all streams
	AggregateWPS   float64 `json:"aggregate_windows_per_s"`
	// CPUSPerWindow is the process's CPU seconds per classified window: what sharing costs or saves,
	// whatever else the machine is doing (windows/s falls with other load; this does not).
	CPUSPerWindow float64   `json:"cpu_s_per_window"`
	Passes        uint64    `json:"passes"`         // forward passes the scheduler ran
	BatchMean     float64   `json:"batch_mean"`     // windows per pass
	LargestBatch  uint64    `json:"batch_max"`      // most windows in one pass
	LatencyP50MS  []float64 `json:"latency_p50_ms"` // per stream: window cut to result (InferenceTime)
	LatencyP95MS  []float64 `json:"latency_p95_ms"`
	StreamWindows []int     `json:"stream_windows"` // results per stream
	Skipped       []uint64  `json:"skipped"`        // windows skipped per stream
	WorstP95MS    float64   `json:"latency_p95_ms_worst"`
	SkippedTotal  uint64    `json:"skipped_total"`
}

// benchModel is the classifier the streams share: the model's own ClassifyBatch and preprocessing,
// with label features from the synthetic token ids the rest of the bench uses (a formula checkpoint
// has no tokenizer).
type benchModel struct {
	c    *model.Classifier
	text *model.Tensor
}

func (b *benchModel) NumFrames() int { return b.c.NumFrames() }

func (b *benchModel) EncodeLabels(labels []string) (*model.Tensor, error) { return b.text, nil }

func (b *benchModel) Pixels(frames []preprocess.Frame) ([]float32, error) { return b.c.Pixels(frames) }

func (b *benchModel) Classify(pixels []float32, labels *model.Tensor) ([]float32, error) {
	out, err := b.c.ClassifyBatch(pixels, []*model.Tensor{labels})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// benchFrames are a stream's pictures (640x360 RGB, as a camera's after decoding): different per
// stream and per frame, so that no cache could make the work look cheaper.
func benchFrames(stream, n int) []preprocess.Frame {
	const w, h = 640, 360
	out := make([]preprocess.Frame, n)
	for i := range out {
		pix := make([]byte, w*h*3)
		for y := range h {
			for x := range w {
				o := (y*w + x) * 3
				pix[o] = byte(x + 7*i + 31*stream)
				pix[o+1] = byte(y + 3*i)
				pix[o+2] = byte(x ^ y + stream)
			}
		}
		out[i] = preprocess.Frame{Pix: pix, Width: w, Height: h, Stride: w * 3}
	}
	return out
}

// runStreams runs n streams of windows through one shared scheduler: with fps 0 each stream is a
// blocking engine fed as fast as it takes frames (windows per stream: perStream), measuring the
// throughput; with fps > 0 each is a live engine fed fps frames a second for perStream windows'
// worth of frames, skipping windows the model cannot serve in time.
func runStreams(m *model.Model, text *model.Tensor, n, perStream int, cfg engine.BatchConfig, fps float64) (streamsResult, error) {
	proc, err := preprocess.New(preprocess.Default(m.Config.Vision.ImageSize))
	if err != nil {
		return streamsResult{}, err
	}
	bm := &benchModel{c: &model.Classifier{Model: m, Processor: proc}, text: text}
	sched, err := engine.NewScheduler(bm.c, cfg)
	if err != nil {
		return streamsResult{}, err
	}
	defer sched.Close()
	t := bm.NumFrames()
	res := streamsResult{BatchSize: cfg.MaxBatch, BatchTimeoutMS: float64(cfg.Timeout.Microseconds()) / 1000, FPS: fps,
		LatencyP50MS: make([]float64, n), LatencyP95MS: make([]float64, n), StreamWindows: make([]int, n),
		Skipped: make([]uint64, n)}
	lat := make([][]float64, n)
	// One label per row of the pre-encoded text features, which EncodeLabels hands out as they are.
	names := make([]string, text.Shape[0])
	for i := range names {
		names[i] = fmt.Sprintf("label %d", i+1)
	}
	var mu sync.Mutex
	engines := make([]*engine.Engine, n)
	for s := range n {
		ecfg := engine.Config{FrameInterval: 1, WindowStride: t, Blocking: fps == 0, Scheduler: sched}
		e, err := engine.New(bm, ecfg, names, func(r engine.Result) {
			if r.Err != nil {
				return
			}
			mu.Lock()
			lat[s] = append(lat[s], r.InferenceTime)
			mu.Unlock()
		})
		if err != nil {
			return streamsResult{}, err
		}
		defer e.Close()
		engines[s] = e
	}
	frames := make([][]preprocess.Frame, n)
	for s := range frames {
		frames[s] = benchFrames(s, t)
	}
	start, cpu0 := time.Now(), cpuSeconds()
	var wg sync.WaitGroup
	for s, e := range engines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			total := perStream * t
			for i := range total {
				if fps > 0 {
					time.Sleep(time.Until(start.Add(time.Duration(float64(i) / fps * float64(time.Second)))))
				}
				if e.WantFrame() {
					e.Push(engine.Frame{Frame: frames[s][i%t], PTS: uint64(i), Duration: 1, RunningTime: uint64(i), StreamTime: uint64(i)})
				}
			}
			e.Drain()
		}()
	}
	wg.Wait()
	res.WallS = time.Since(start).Seconds()
	cpu := cpuSeconds() - cpu0
	st := sched.Stats()
	res.Windows, res.Passes, res.LargestBatch = st.Windows, st.Batches, st.LargestBatch
	if st.Batches > 0 {
		res.BatchMean = float64(st.Windows) / float64(st.Batches)
	}
	res.AggregateWPS = float64(st.Windows) / res.WallS
	if st.Windows > 0 {
		res.CPUSPerWindow = cpu / float64(st.Windows)
	}
	for s, e := range engines {
		sort.Float64s(lat[s])
		res.LatencyP50MS[s], res.LatencyP95MS[s] = nearestRank(lat[s], 0.5), nearestRank(lat[s], 0.95)
		res.WorstP95MS = max(res.WorstP95MS, res.LatencyP95MS[s])
		res.StreamWindows[s] = len(lat[s])
		res.Skipped[s] = e.Skipped()
		res.SkippedTotal += res.Skipped[s]
	}
	return res, nil
}

// nearestRank is the nearest-rank p-quantile of sorted values, 0 when there are none.
func nearestRank(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func printStreams(w io.Writer, r *benchResult) {
	s := r.StreamsRun
	fmt.Fprintf(w, "xclip bench: %s\n", r.Model)
	fmt.Fprintf(w, "  cpu            %s; load average %s; AMX %s\n", r.CPU, r.LoadAvg, r.AMX)
	fmt.Fprintf(w, "  backend        %s, %d threads, dtype %s, streams %d sharing one model, batch-size %d, batch-timeout %.1f ms, %d labels\n",
		r.Backend, r.Threads, r.DType, r.Streams, s.BatchSize, s.BatchTimeoutMS, r.Labels)
	fmt.Fprintf(w, "  load           %.2f s\n", r.LoadS)
	fmt.Fprintf(w, "  text encode    %.3f s (%d labels)\n", r.TextEncodeS, r.Labels)
	mode := "blocking streams, fed as fast as the model takes them"
	if s.FPS > 0 {
		mode = fmt.Sprintf("live streams at %.1f frames/s each", s.FPS)
	}
	fmt.Fprintf(w, "  windows        %d in %.2f s (%s): %.2f windows/s aggregate; CPU %.3f s per window; %d passes, %.2f windows per pass (most %d)\n",
		s.Windows, s.WallS, mode, s.AggregateWPS, s.CPUSPerWindow, s.Passes, s.BatchMean, s.LargestBatch)
	for i := range s.LatencyP50MS {
		fmt.Fprintf(w, "  stream %-3d     %d windows, latency p50 %.1f ms, p95 %.1f ms, %d skipped\n",
			i, s.StreamWindows[i], s.LatencyP50MS[i], s.LatencyP95MS[i], s.Skipped[i])
	}
	fmt.Fprintf(w, "  peak RSS       %.0f MB\n", r.PeakRSSMB)
}
