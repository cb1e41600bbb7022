package xclipmetapublish

import (
	"math"
	"testing"
	"time"
)

// stuckOutput blocks in write until released: a disk or broker that does not answer.
type stuckOutput struct {
	entered chan struct{}
	release chan struct{}
	writes  int
}

func (o *stuckOutput) write(*document, []byte) {
	o.writes++
	if o.writes == 1 {
		close(o.entered)
	}
	<-o.release
}
func (o *stuckOutput) poll()           {}
func (o *stuckOutput) close(time.Time) {}

// TestOfferNeverBlocks: while the output hangs, offer returns at once; past the queue, documents are
// dropped and counted; close gives up after its timeout.
func TestOfferNeverBlocks(t *testing.T) {
	out := &stuckOutput{entered: make(chan struct{}), release: make(chan struct{})}
	var c counters
	p := newPublisher(out, &c, func(*document, error) {}, func(r any) { t.Errorf("publisher panicked: %v", r) })
	d := document{kind: "xclip", source: "s", fields: object{{"window", uint64(1)}}}
	p.offer(d)
	<-out.entered // the goroutine holds one document, the queue is empty
	start := time.Now()
	const n = queueSize + 100
	for range n {
		p.offer(d)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("%d offers took %v", n, took)
	}
	if got := c.dropped.Load(); got != 100 {
		t.Errorf("dropped %d, want 100", got)
	}
	start = time.Now()
	if p.close(200 * time.Millisecond) {
		t.Error("close returned true while the output hangs")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("close took %v", took)
	}
	if p.offer(d) || c.dropped.Load() != 101 {
		t.Errorf("an offer after close was taken (dropped %d)", c.dropped.Load())
	}
	close(out.release)
}

// TestMarshal: member order, RFC 3339 milliseconds in UTC, and NaN refused.
func TestMarshal(t *testing.T) {
	d := document{kind: "xclip", source: "cam", fields: object{{"window", uint64(2)}, {"labels", []any{"a", "b"}}, {"window-start", nil}}}
	b, err := d.marshal(time.Date(2026, 12, 2, 10, 4, 5, 123456789, time.FixedZone("CET", 3600)))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"source":"cam","type":"xclip","timestamp":"2026-12-02T09:04:05.123Z","window":2,"labels":["a","b"],"window-start":null}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	for _, bad := range []any{[]any{1.0, nan()}, inf()} {
		d.fields = object{{"scores", bad}}
		if _, err := d.marshal(time.Now()); err == nil {
			t.Errorf("%v marshalled", bad)
		}
	}
}

func nan() float64 { return math.NaN() }
func inf() float64 { return math.Inf(1) }
