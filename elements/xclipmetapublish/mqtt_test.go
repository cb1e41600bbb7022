package xclipmetapublish

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-gst/go-gst/gst"

	"github.com/xclipfilter/xclipfilter/internal/mqtttest"
)

// liveDesc is a live 30 fps source classified by the tiny checkpoint (3 frames a window: about 10
// results a second) and published to addr.
func liveDesc(dir, addr, extra string) string {
	return fmt.Sprintf(`videotestsrc is-live=true pattern=ball ! video/x-raw,width=64,height=48,framerate=30/1 ! `+
		`xclipfilter model=%s labels="a ball;a dog" frame-interval=1 `+noLabelEvents+` ! `+
		`xclipmetapublish name=pub method=mqtt address=%s %s ! fakesink sync=true`, dir, addr, extra)
}

// TestMQTTResults: every window's result reaches a subscriber of a real broker as JSON that matches
// the bus message, on the topic with {source} substituted, and is counted as published.
func TestMQTTResults(t *testing.T) {
	dir := tinyA(t)
	b := mqtttest.NewBroker(t)
	sub := mqtttest.Subscribe(t, b.Addr(), "xclip/#", true)
	desc := fmt.Sprintf(`videotestsrc num-buffers=20 pattern=ball ! video/x-raw,width=64,height=48,framerate=30/1 ! `+
		`xclipfilter model=%s labels="a ball;a dog;nobody" frame-interval=1 blocking=true top-k=2 `+noLabelEvents+` ! `+
		`xclipmetapublish name=pub method=mqtt address=%s topic=xclip/{source}/results source=cam1 ! fakesink`, dir, b.Addr())
	since := time.Now()
	r := mustPlay(t, desc, runOpts{})
	until := time.Now()
	n := len(r.results) // 6 full windows of 3 frames and the 2 last frames at EOS
	if n != 7 {
		t.Fatalf("%d results on the bus, want 7", n)
	}
	if !waitFor(30*time.Second, func() bool { return sub.Count() >= n }) {
		t.Fatalf("the subscriber got %d messages, want %d", sub.Count(), n)
	}
	time.Sleep(300 * time.Millisecond) // nothing more may come
	msgs := sub.Messages()
	if len(msgs) != n {
		t.Fatalf("the subscriber got %d messages, want %d", len(msgs), n)
	}
	for i, m := range msgs {
		if m.Topic != "xclip/cam1/results" {
			t.Errorf("message %d on topic %q, want xclip/cam1/results", i, m.Topic)
		}
		d := decode(t, m.Payload)
		if d.Window < 1 || d.Window > uint64(n) {
			t.Fatalf("message %d: window %d", i, d.Window)
		}
		checkDoc(t, d, r.results[d.Window-1], "cam1", since, until)
		if d.Final != (d.Window == uint64(n)) {
			t.Errorf("window %d: final %v", d.Window, d.Final)
		}
	}
	if pub, drop := counter(t, r.pipeline, "pub", "published"), counter(t, r.pipeline, "pub", "dropped"); pub != uint64(n) || drop != 0 {
		t.Errorf("published %d, dropped %d; want %d, 0", pub, drop, n)
	}
	if len(r.warnings) > 0 {
		t.Errorf("warnings: %v", r.warnings)
	}
}

// TestMQTTBrokerRestart: the broker dies in the middle of a live stream. The pipeline keeps running,
// results are dropped and counted while it is down, and publishing resumes within seconds of its
// restart; at the end every result is either published or dropped.
func TestMQTTBrokerRestart(t *testing.T) {
	dir := tinyA(t)
	b := mqtttest.NewBroker(t)
	sub := mqtttest.Subscribe(t, b.Addr(), "xclip", true)
	const phaseTimeout = 60 * time.Second
	phase := 0
	var phaseStart, restartAt time.Time
	var dropped0 uint64
	var results0, count0 int
	var resumeAfter time.Duration
	r := play(t, liveDesc(dir, b.Addr(), "max-reconnect-interval=1"), runOpts{timeout: 5 * time.Minute,
		during: func(p *gst.Pipeline, r *run) bool {
			if phaseStart.IsZero() {
				phaseStart = time.Now()
			}
			if time.Since(phaseStart) > phaseTimeout {
				t.Errorf("phase %d did not finish within %v (results %d, received %d, dropped %d)", phase, phaseTimeout,
					len(r.results), sub.Count(), counter(t, p, "pub", "dropped"))
				return false
			}
			next := func() { phase++; phaseStart = time.Now() }
			switch phase {
			case 0: // publishing
				if sub.Count() >= 5 {
					b.Stop()
					dropped0, results0 = counter(t, p, "pub", "dropped"), len(r.results)
					t.Logf("broker killed after %d results, %d received", results0, sub.Count())
					next()
				}
			case 1: // broker down: the stream goes on, results are dropped
				if d := counter(t, p, "pub", "dropped"); d >= dropped0+5 && len(r.results) >= results0+5 {
					t.Logf("while down: %d more results on the bus, %d more dropped", len(r.results)-results0, d-dropped0)
					count0 = sub.Count()
					b.Start()
					restartAt = time.Now()
					next()
				}
			case 2: // broker back: publishing resumes (the subscriber reconnects too)
				if sub.Count() > count0 {
					resumeAfter = time.Since(restartAt)
					t.Logf("publishing resumed %v after the restart", resumeAfter.Round(time.Millisecond))
					p.SendEvent(gst.NewEOSEvent())
					next()
				}
			}
			return true
		}})
	if len(r.errors) > 0 {
		t.Fatalf("pipeline failed: %v", r.errors)
	}
	if !r.eos || phase != 3 {
		t.Fatalf("stopped in phase %d (eos %v)", phase, r.eos)
	}
	if resumeAfter > 20*time.Second {
		t.Errorf("publishing resumed %v after the restart; max-reconnect-interval=1 should make it a few seconds", resumeAfter)
	}
	lost := false
	for _, w := range r.warnings {
		lost = lost || strings.Contains(w, "lost the connection to the MQTT broker at "+b.Addr())
	}
	if !lost {
		t.Errorf("no warning about the lost connection: %v", r.warnings)
	}
	pub, drop := counter(t, r.pipeline, "pub", "published"), counter(t, r.pipeline, "pub", "dropped")
	t.Logf("%d results: %d published, %d dropped, %d received", len(r.results), pub, drop, sub.Count())
	if pub+drop != uint64(len(r.results)) {
		t.Errorf("published %d + dropped %d != %d results", pub, drop, len(r.results))
	}
	if drop < 5 || pub < 6 || uint64(sub.Count()) > pub {
		t.Errorf("published %d, dropped %d, received %d", pub, drop, sub.Count())
	}
	for _, m := range sub.Messages() {
		decode(t, m.Payload)
	}
}

// TestMQTTUnreachableAtStart: with the default max-connect-attempts=1 an unreachable broker refuses
// the start with an error naming the address; more attempts wait 1 s, 2 s... capped by
// max-reconnect-interval; max-connect-attempts=0 starts at once, drops results, and publishes once the
// broker comes up.
func TestMQTTUnreachableAtStart(t *testing.T) {
	port := mqtttest.FreePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for _, c := range []struct {
		props    string
		attempts int
		minWait  time.Duration
	}{
		{"", 1, 0},
		{"max-connect-attempts=3 max-reconnect-interval=1", 3, 2 * time.Second},
	} {
		start := time.Now()
		r := play(t, fmt.Sprintf(`videotestsrc num-buffers=5 ! xclipmetapublish method=mqtt address=%s %s ! fakesink`, addr, c.props), runOpts{timeout: time.Minute})
		took := time.Since(start)
		want := fmt.Sprintf("cannot connect to the MQTT broker at %s (%d attempt(s)", addr, c.attempts)
		if len(r.errors) != 1 || !strings.Contains(r.errors[0], want) {
			t.Errorf("%q: errors %v, want one with %q", c.props, r.errors, want)
		}
		if took < c.minWait || took > c.minWait+30*time.Second {
			t.Errorf("%q: refused after %v, want about %v", c.props, took, c.minWait)
		}
	}

	// max-connect-attempts=0 with no broker ever: the start succeeds, results are dropped, and the
	// stop does not wait for a connection.
	r0 := play(t, fmt.Sprintf(`videotestsrc is-live=true num-buffers=30 ! xclipmetapublish name=pub method=mqtt `+
		`address=%s max-connect-attempts=0 ! fakesink`, addr), runOpts{timeout: time.Minute, keep: true})
	if len(r0.errors) > 0 || !r0.eos {
		t.Fatalf("max-connect-attempts=0 without a broker (eos %v): %v", r0.eos, r0.errors)
	}
	stopStart := time.Now()
	if err := r0.pipeline.SetState(gst.StateNull); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(stopStart); took > 5*time.Second {
		t.Errorf("stopping while connecting in the background took %v", took)
	}

	dir := tinyA(t)
	var b *mqtttest.Broker
	var sub *mqtttest.Subscriber
	var droppedBefore uint64
	eosSent := false
	started := time.Now()
	r := play(t, liveDesc(dir, addr, "max-connect-attempts=0"), runOpts{timeout: 3 * time.Minute,
		during: func(p *gst.Pipeline, r *run) bool {
			switch {
			case eosSent:
			case b == nil && len(r.results) >= 10:
				if pub := counter(t, p, "pub", "published"); pub != 0 {
					t.Errorf("published %d without a broker", pub)
				}
				droppedBefore = counter(t, p, "pub", "dropped")
				b = mqtttest.NewBrokerOn(t, port)
				sub = mqtttest.Subscribe(t, addr, "xclip", true)
			case b != nil && sub.Count() >= 3:
				p.SendEvent(gst.NewEOSEvent())
				eosSent = true
			case time.Since(started) > 2*time.Minute:
				t.Errorf("no message published after the broker started")
				return false
			}
			return true
		}})
	if len(r.errors) > 0 || !r.eos {
		t.Fatalf("pipeline failed (eos %v): %v", r.eos, r.errors)
	}
	if droppedBefore < 5 {
		t.Errorf("only %d results dropped before the broker started", droppedBefore)
	}
	if pub := counter(t, r.pipeline, "pub", "published"); pub < 3 {
		t.Errorf("published %d after the broker started", pub)
	}
}
