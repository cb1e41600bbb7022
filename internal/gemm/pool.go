package gemm

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Pool runs the tasks of one Run on at most Threads() goroutines at a time: the calling goroutine
// plus up to Threads()-1 helpers.
//
// Helpers are not owned by a pool. The process has one fixed set of runtime.GOMAXPROCS(0)-1 helper
// goroutines (read when the first Run needs one), shared by all pools; a Run hands its job to a
// helper only if one is idle at that moment (a non-blocking send on an unbuffered channel), and
// retries between its own tasks while tasks are left. So, however many pools and concurrent Run
// calls there are, at most GOMAXPROCS-1 helpers compute besides the goroutines that called Run —
// which the application is running anyway — and nothing ever waits for a free helper: a Run that
// finds none does its tasks itself. The only wait is for tasks already being run, which makes Run
// deadlock-free, also when fn itself calls Run; and a Run that waits takes work that other Runs post
// meanwhile, as a helper would.
//
// The zero Pool, and a nil *Pool, run everything on the calling goroutine.
type Pool struct {
	threads int
}

// NewPool returns a pool that runs at most threads tasks at once; threads <= 0 means
// runtime.GOMAXPROCS(0).
func NewPool(threads int) *Pool {
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	return &Pool{threads: threads}
}

// Threads returns the most goroutines one Run of p uses at once.
func (p *Pool) Threads() int {
	if p == nil || p.threads < 1 {
		return 1
	}
	return p.threads
}

// job is one Run call, shared with the helpers working on it.
type job struct {
	fn   func(int)
	n    int64
	next atomic.Int64 // next task index to claim
	// pending counts the goroutines working on the job: the caller of Run, until it has no task
	// left to claim, and each helper it was handed to. Whoever brings it to zero after the caller
	// has let go is a helper, and it signals done, once.
	pending atomic.Int32
	done    chan struct{} // buffered (1)

	mu       sync.Mutex
	panicked bool // a call of fn panicked: the first value is raised again in the caller of Run
	value    any
}

// work hands jobs to idle helpers; it is unbuffered, so a send succeeds only when a helper waits.
var (
	work        = make(chan *job)
	helpersOnce sync.Once
	nHelpers    int
	jobs        = sync.Pool{New: func() any { return &job{done: make(chan struct{}, 1)} }}
)

func startHelpers() {
	nHelpers = runtime.GOMAXPROCS(0) - 1
	for range nHelpers {
		go helper()
	}
}

func helper() {
	for j := range work {
		j.help()
	}
}

// help runs tasks of j as a helper, then lets go of it.
func (j *job) help() {
	j.do()
	if j.pending.Add(-1) == 0 {
		j.done <- struct{}{} // last access to j: Run may recycle it after this
	}
}

// do claims and runs tasks of j until none are left.
func (j *job) do() {
	for {
		i := j.next.Add(1) - 1
		if i >= j.n {
			return
		}
		j.call(int(i))
	}
}

// call runs task i, recording a panic instead of unwinding the goroutine that runs it: that may be a
// helper (where it would end the process) or the caller of another Run helping while it waits.
func (j *job) call(i int) {
	defer func() {
		if r := recover(); r != nil {
			j.mu.Lock()
			if !j.panicked {
				j.panicked, j.value = true, r
			}
			j.mu.Unlock()
		}
	}()
	j.fn(i)
}

// post hands j to an idle helper (or a Run waiting for its own helpers), if there is one.
func (j *job) post() bool {
	j.pending.Add(1)
	select {
	case work <- j:
		return true
	default:
		j.pending.Add(-1) // never the last: the caller still holds its count
		return false
	}
}

// Run calls fn(0), …, fn(n-1), each once, on at most Threads() goroutines (the caller included), and
// returns when all calls have returned. It may be called from several goroutines at once. The
// order of the calls is unspecified. If calls panic, the others still run, and then Run panics in
// its caller with the first call's panic value.
//
// While it waits for the calls that helpers are still running, the caller serves as a helper for
// other Runs: when the model runs one stream of operations per core and one stream finishes first,
// its goroutine joins the operations of the other instead of idling.
func (p *Pool) Run(n int, fn func(i int)) {
	if n <= 0 {
		return
	}
	threads := p.Threads()
	if threads > 1 && n > 1 {
		helpersOnce.Do(startHelpers)
	}
	if threads == 1 || n == 1 || nHelpers == 0 {
		for i := range n {
			fn(i)
		}
		return
	}
	j := jobs.Get().(*job)
	j.fn, j.n = fn, int64(n)
	j.next.Store(0)
	j.pending.Store(1)
	want := min(threads-1, n-1, nHelpers)
	posted := 0
	for posted < want && j.post() {
		posted++
	}
	for {
		i := j.next.Add(1) - 1
		if i >= j.n {
			break
		}
		// Helpers busy with other jobs when we started may be idle now.
		if posted < want && j.n-i > 1 && j.post() {
			posted++
		}
		j.call(int(i))
	}
	if j.pending.Add(-1) != 0 {
		// Helpers still run tasks of j. Wait for the last one's signal, meanwhile helping Runs
		// that post work (their tasks never wait for j: tasks only wait for tasks of their own
		// Run claimed before them, and a Run returns once its tasks are done).
	wait:
		for {
			select {
			case <-j.done:
				break wait
			case other := <-work:
				other.help()
			}
		}
	}
	panicked, value := j.panicked, j.value
	j.fn, j.panicked, j.value = nil, false, nil
	jobs.Put(j)
	if panicked {
		panic(value)
	}
}
