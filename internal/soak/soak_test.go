package soak

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-gst/go-gst/gst"

	"github.com/xclipfilter/xclipfilter/elements/xclipfilter"
	"github.com/xclipfilter/xclipfilter/internal/golden"
	"github.com/xclipfilter/xclipfilter/internal/mqtttest"
)

// Environment of the soak.
const (
	durationEnv = "XCLIP_SOAK"       // how long to run (a Go duration; default defaultDuration)
	modelEnv    = "XCLIP_SOAK_MODEL" // checkpoint folder (default: see the package doc)
)

// defaultDuration keeps the soak in every `go test` run short enough for CI on a loaded 2-core machine;
// the real soak is XCLIP_SOAK=10m (make soak).
const defaultDuration = 40 * time.Second

// Margins: generous, because the machine running the soak is shared (CI, other tests) and a few
// seconds of someone else's load must not fail it; a leak or a growing queue over minutes exceeds them.
const (
	brokerDown     = 2 * time.Second  // how long the broker stays dead at each restart
	resumeTimeout  = 2 * time.Minute  // results must be published again within this after a restart
	firstResultMax = 10 * time.Minute // model load and label encoding on a slow machine
	eosTimeout     = 2 * time.Minute  // EOS after the last in-flight window
	rssMargin      = 64 << 20         // RSS end may exceed RSS after warm-up by max(this, rssFraction)
	rssFraction    = 0.10             //
	lateFactor     = 2.0              // last third's p99 lateness ≤ max(lateFactor × first, first + lateSlack)
	lateSlack      = 250 * time.Millisecond
)

const labels = "a ball bouncing;a person dancing;a car driving;an empty room"

// soakConfig is one run's settings.
type soakConfig struct {
	duration     time.Duration
	restartEvery time.Duration // broker kill period
	warmup       time.Duration // at least this long (and until the first published result) before RSS and lateness count
	model        string
}

func config(t *testing.T) soakConfig {
	c := soakConfig{duration: defaultDuration}
	if v := os.Getenv(durationEnv); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 10*time.Second {
			t.Fatalf("%s=%q: want a duration of at least 10s (e.g. 10m)", durationEnv, v)
		}
		c.duration = d
	}
	c.restartEvery = min(max(c.duration/4, 10*time.Second), time.Minute)
	c.warmup = c.duration / 6
	c.model = soakModel(t)
	return c
}

// soakModel picks the checkpoint (package doc).
func soakModel(t *testing.T) string {
	if m := os.Getenv(modelEnv); m != "" {
		if _, err := os.Stat(filepath.Join(m, "config.json")); err != nil {
			t.Fatalf("%s=%s: not a checkpoint folder: %v", modelEnv, m, err)
		}
		return m
	}
	if os.Getenv(golden.EnvVar) == "" || testing.Short() {
		return filepath.Join(golden.Testdata(t), "xclip-tiny-a")
	}
	// A base-patch32-sized checkpoint: the golden formula weights and the tiny checkpoint's CLIP
	// tokenizer (the same vocabulary), linked into one folder.
	src := golden.Dir(t, "base-patch32-8f")
	tiny := filepath.Join(golden.Testdata(t), "xclip-tiny-a")
	dir := filepath.Join(t.TempDir(), "base-patch32-8f")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, l := range []struct{ from, name string }{
		{src, "config.json"}, {src, "weights_manifest.json"}, {tiny, "vocab.json"}, {tiny, "merges.txt"},
	} {
		if err := os.Symlink(filepath.Join(l.from, l.name), filepath.Join(dir, l.name)); err != nil {
			t.Fatalf("assembling the real-size checkpoint: %v", err)
		}
	}
	return dir
}

// latenessProbe measures, on the sink's pad, each buffer's lateness: the pipeline's running time at
// arrival (clock time − base time) minus the buffer's running time in its segment.
func latenessProbe(t *testing.T, p *gst.Pipeline, sinkName string, l *Lateness) {
	sink, err := p.GetElementByName(sinkName)
	if err != nil || sink == nil {
		t.Fatalf("no element %s: %v", sinkName, err)
	}
	var mu sync.Mutex
	var seg *gst.Segment
	sink.GetStaticPad("sink").AddProbe(gst.PadProbeTypeBuffer|gst.PadProbeTypeEventDownstream,
		func(_ *gst.Pad, info *gst.PadProbeInfo) gst.PadProbeReturn {
			if info.Type()&gst.PadProbeTypeEventDownstream != 0 {
				if ev := info.GetEvent(); ev != nil && ev.Type() == gst.EventTypeSegment {
					mu.Lock()
					seg = ev.ParseSegment().Copy()
					mu.Unlock()
				}
				return gst.PadProbeOK
			}
			if info.Type()&gst.PadProbeTypeBuffer == 0 {
				return gst.PadProbeOK
			}
			buf := info.GetBuffer()
			if buf == nil {
				return gst.PadProbeOK
			}
			now := time.Now()
			pts := buf.PresentationTimestamp()
			clock := p.GetClock()
			mu.Lock()
			s := seg
			mu.Unlock()
			if pts == gst.ClockTimeNone || s == nil || clock == nil {
				l.Unknown()
				return gst.PadProbeOK
			}
			rt := s.ToRunningTime(gst.FormatTime, uint64(pts))
			ct, base := clock.GetTime(), p.GetBaseTime()
			if rt == uint64(gst.ClockTimeNone) || ct == gst.ClockTimeNone {
				l.Unknown()
				return gst.PadProbeOK
			}
			l.Add(now, time.Duration(int64(uint64(ct)-uint64(base))-int64(rt)))
			return gst.PadProbeOK
		})
}

// counter reads a guint64 property (xclipmetapublish's published, dropped; xclipfilter's
// windows-skipped).
func counter(t *testing.T, p *gst.Pipeline, name, prop string) uint64 {
	e, err := p.GetElementByName(name)
	if err != nil || e == nil {
		t.Fatalf("no element %s: %v", name, err)
	}
	v, err := e.GetProperty(prop)
	if err != nil {
		t.Fatalf("%s.%s: %v", name, prop, err)
	}
	u, ok := v.(uint64)
	if !ok {
		t.Fatalf("%s.%s is %T", name, prop, v)
	}
	return u
}

// rssSample is one RSS reading.
type rssSample struct {
	at  time.Time
	rss uint64
}

// TestSoak runs a live 320x240 30 fps source through xclipfilter and xclipmetapublish (MQTT) to a
// broker killed every restartEvery for brokerDown, for XCLIP_SOAK (default 40 s), and checks that
// results reach a subscriber again after every restart, that nothing fails, and that RSS and buffer lateness stay
// flat between warm-up and the end. It prints the report table.
func TestSoak(t *testing.T) {
	c := config(t)
	b := mqtttest.NewBroker(t)
	const topic = "soak/results"
	sub := mqtttest.Subscribe(t, b.Addr(), topic, false)
	desc := fmt.Sprintf(`videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1 ! `+
		`videoconvert ! xclipfilter name=clf model="%s" labels="%s" stats-interval=5 source=soak ! `+
		`xclipmetapublish name=pub method=mqtt address=%s topic=%s max-reconnect-interval=1 ! fakesink name=sink sync=true`,
		c.model, labels, b.Addr(), topic)
	t.Logf("soak of %v, broker killed every %v for %v, warm-up %v: %s", c.duration, c.restartEvery, brokerDown, c.warmup, desc)
	p, err := gst.NewPipelineFromString(desc)
	if err != nil {
		t.Fatalf("pipeline %q: %v", desc, err)
	}
	var late Lateness
	latenessProbe(t, p, "sink", &late)
	bus := p.GetPipelineBus()
	rep := Report{Model: c.model}
	var stats xclipfilter.Stats
	var rss []rssSample
	var warnings []string
	sampleRSS := func(now time.Time) {
		v, err := RSS()
		if err != nil {
			t.Fatal(err)
		}
		rss = append(rss, rssSample{now, v})
		rep.RSSPeak = max(rep.RSSPeak, v)
	}

	start := time.Now()
	if err := p.SetState(gst.StatePlaying); err != nil {
		t.Fatalf("setting the pipeline to PLAYING: %v", err)
	}
	defer p.SetState(gst.StateNull)
	var (
		up            = true
		phaseStart    = start
		recvAtRestart int
		resumed       = true // the subscriber has received a result since the last restart (or there was none)
		firstAt       time.Time
		warmEnd       time.Time
		end           time.Time
		lastRSS       time.Time
		eosSent       bool
		failed        string
	)
	for failed == "" {
		msg := bus.TimedPopFiltered(gst.ClockTime(50*time.Millisecond),
			gst.MessageError|gst.MessageWarning|gst.MessageElement|gst.MessageEOS)
		if msg != nil {
			switch msg.Type() {
			case gst.MessageError:
				failed = "pipeline error: " + msg.ParseError().Error()
			case gst.MessageWarning:
				warnings = append(warnings, msg.ParseWarning().Error())
			case gst.MessageElement:
				if _, ok := xclipfilter.ParseMessage(msg); ok {
					rep.Results++
				} else if s, ok := xclipfilter.ParseStatsMessage(msg); ok {
					stats = s
				}
			}
		}
		now := time.Now()
		if now.Sub(lastRSS) >= time.Second {
			sampleRSS(now)
			lastRSS = now
		}
		published := counter(t, p, "pub", "published")
		if firstAt.IsZero() && published > 0 {
			firstAt = now
			t.Logf("first result published %v after PLAYING", now.Sub(start).Round(100*time.Millisecond))
		}
		if warmEnd.IsZero() {
			switch {
			case published > 0 && now.Sub(start) >= c.warmup:
				warmEnd = now
				end = warmEnd.Add(c.duration - c.warmup)
				t.Logf("warm-up over after %v, RSS %.1f MB", now.Sub(start).Round(time.Second),
					float64(rss[len(rss)-1].rss)/(1<<20))
			case published == 0 && now.Sub(start) > firstResultMax:
				failed = fmt.Sprintf("no result published within %v of the start", firstResultMax)
			}
		}
		received := sub.Count()
		if !resumed && received > recvAtRestart {
			resumed = true
			rep.Survived++
			t.Logf("restart %d survived: results reached the subscriber again %v after it", rep.BrokerRestarts,
				now.Sub(phaseStart).Round(100*time.Millisecond))
		}
		switch {
		case eosSent:
			if now.Sub(end) > eosTimeout {
				failed = fmt.Sprintf("no EOS within %v of sending it", eosTimeout)
			}
		case !end.IsZero() && now.After(end) && up && resumed:
			rep.RSSEnd = rss[len(rss)-1].rss
			p.SendEvent(gst.NewEOSEvent())
			eosSent = true
		case up && !resumed && now.Sub(phaseStart) > resumeTimeout:
			failed = fmt.Sprintf("no result reached the subscriber within %v of broker restart %d (published %d)",
				resumeTimeout, rep.BrokerRestarts, published)
		case up && resumed && received > 0 && now.Sub(phaseStart) >= c.restartEvery:
			b.Stop()
			up, phaseStart = false, now
		case !up && now.Sub(phaseStart) >= brokerDown:
			b.Start()
			rep.BrokerRestarts++
			up, phaseStart, resumed, recvAtRestart = true, now, false, sub.Count()
		}
		if msg != nil && msg.Type() == gst.MessageEOS {
			if !eosSent {
				failed = "EOS before the soak ended"
			}
			break
		}
	}
	stopAt := time.Now()
	rep.Duration = stopAt.Sub(start)
	if failed == "" {
		rep.WindowsSkipped = counter(t, p, "clf", "windows-skipped")
	}
	// Stopping publishes what is still queued: the counters are final once the pipeline is NULL.
	if err := p.SetState(gst.StateNull); err != nil {
		t.Errorf("setting the pipeline to NULL: %v", err)
	}
	rep.Published, rep.Dropped = counter(t, p, "pub", "published"), counter(t, p, "pub", "dropped")
	if failed != "" {
		t.Fatalf("after %v: %s (results %d, restarts %d, survived %d)", stopAt.Sub(start).Round(time.Second), failed,
			rep.Results, rep.BrokerRestarts, rep.Survived)
	}
	// The subscriber gets what was published while it was connected: wait for it to catch up.
	deadline := time.Now().Add(10 * time.Second)
	for uint64(sub.Count()) < rep.Published && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	rep.Received = sub.Count()
	rep.InferenceP50, rep.InferenceP95 = stats.InferenceP50, stats.InferenceP95
	for _, s := range rss {
		if !s.at.Before(warmEnd) {
			rep.RSSStart = s.rss
			break
		}
	}
	third := end.Sub(warmEnd) / 3
	rep.LateFirst, rep.LateFirstN = late.P99(warmEnd, warmEnd.Add(third))
	rep.LateLast, rep.LateLastN = late.P99(end.Add(-third), end)
	rep.Buffers, _ = late.Counts()
	rep.LateMax = late.Max()
	var sb strings.Builder
	rep.Write(&sb)
	fmt.Print(sb.String())

	// Assertions, with the margins above.
	if rep.BrokerRestarts < 1 || rep.Survived != rep.BrokerRestarts {
		t.Errorf("broker restarts survived: %d of %d (want all, at least one)", rep.Survived, rep.BrokerRestarts)
	}
	if rep.Results == 0 || rep.Published == 0 || rep.Received == 0 {
		t.Errorf("results %d, published %d, received %d: want all > 0", rep.Results, rep.Published, rep.Received)
	}
	if rep.Published+rep.Dropped < rep.Results {
		t.Errorf("published %d + dropped %d < %d results: results went missing", rep.Published, rep.Dropped, rep.Results)
	}
	if uint64(rep.Received) > rep.Published {
		t.Errorf("received %d > published %d", rep.Received, rep.Published)
	}
	for _, w := range warnings {
		if !strings.Contains(w, "MQTT broker") {
			t.Errorf("unexpected warning: %s", w)
		}
	}
	if limit := rep.RSSStart + max(uint64(rssMargin), uint64(float64(rep.RSSStart)*rssFraction)); rep.RSSEnd > limit {
		t.Errorf("RSS grew from %.1f MB after warm-up to %.1f MB at the end (limit %.1f MB)",
			float64(rep.RSSStart)/(1<<20), float64(rep.RSSEnd)/(1<<20), float64(limit)/(1<<20))
	}
	if rep.LateFirstN == 0 || rep.LateLastN == 0 {
		t.Errorf("no lateness samples in the first (%d) or last third (%d)", rep.LateFirstN, rep.LateLastN)
	} else if limit := max(time.Duration(lateFactor*float64(rep.LateFirst)), rep.LateFirst+lateSlack); rep.LateLast > limit {
		t.Errorf("buffer lateness p99 grew from %v in the first third to %v in the last (limit %v)", rep.LateFirst, rep.LateLast, limit)
	}
}
