package xclipmetapublish

import (
	"sync"
	"sync/atomic"
	"time"
)

// queueSize bounds the documents waiting for the publisher goroutine: when it is full (a slow file, a
// broker that does not keep up) new documents are dropped and counted, never queued without bound.
const queueSize = 256

// pollInterval is how often the publisher looks at acknowledgements when no document arrives.
const pollInterval = 100 * time.Millisecond

// counters are the published and dropped properties; they outlive a start-stop cycle (read after stop)
// and are reset at start.
type counters struct {
	published, dropped atomic.Uint64
}

// output is where documents go: a file or an MQTT broker. Its methods run one at a time (on the
// publisher goroutine, close after it returned), and count every document as published or dropped.
type output interface {
	// write publishes one document without waiting longer than a bounded time.
	write(d *document, payload []byte)
	// poll settles what completed since (MQTT acknowledgements).
	poll()
	// close finishes the output (the JSON array's end, the broker's disconnection), waiting at most
	// until deadline for what is in flight.
	close(deadline time.Time)
}

// publisher owns the goroutine between the streaming thread and the output: offer never blocks, and
// all I/O happens on the goroutine.
type publisher struct {
	mu     sync.RWMutex // guards closed against offer
	closed bool
	docs   chan document
	done   chan struct{} // closed when the goroutine has returned

	out    output
	counts *counters
	now    func() time.Time
	// invalid reports a document that cannot be written as JSON (a NaN or infinite number).
	invalid func(d *document, err error)
	// crashed reports a panic on the goroutine.
	crashed func(p any)
}

func newPublisher(out output, counts *counters, invalid func(*document, error), crashed func(any)) *publisher {
	p := &publisher{docs: make(chan document, queueSize), done: make(chan struct{}), out: out, counts: counts,
		now: time.Now, invalid: invalid, crashed: crashed}
	go p.run()
	return p
}

// offer hands a document to the goroutine; when the queue is full, or the publisher closed, the
// document is dropped and counted. Called from the streaming thread: it never blocks.
func (p *publisher) offer(d document) bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		p.counts.dropped.Add(1)
		return false
	}
	select {
	case p.docs <- d:
		return true
	default:
		p.counts.dropped.Add(1)
		return false
	}
}

func (p *publisher) run() {
	defer close(p.done)
	defer func() {
		if r := recover(); r != nil {
			p.crashed(r)
		}
	}()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		select {
		case d, ok := <-p.docs:
			if !ok {
				return
			}
			p.publish(&d)
		case <-tick.C:
			p.out.poll()
		}
	}
}

func (p *publisher) publish(d *document) {
	payload, err := d.marshal(p.now())
	if err != nil {
		p.invalid(d, err) // first, so that the warning is on the bus once dropped counts the document
		p.counts.dropped.Add(1)
		return
	}
	p.out.write(d, payload)
}

// close stops taking documents, lets the goroutine publish those queued, then finishes the output,
// all within timeout; it returns false when the goroutine is still stuck (in a write that does not
// return) after it.
func (p *publisher) close(timeout time.Duration) bool {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return true
	}
	p.closed = true
	close(p.docs)
	p.mu.Unlock()
	deadline := time.Now().Add(timeout)
	select {
	case <-p.done:
	case <-time.After(timeout):
		return false
	}
	p.out.close(deadline)
	return true
}
