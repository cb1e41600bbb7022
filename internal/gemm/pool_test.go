package gemm

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestPoolRunsEachIndexOnce(t *testing.T) {
	for _, threads := range []int{0, 1, 2, 3, 8} {
		p := NewPool(threads)
		for _, n := range []int{0, 1, 2, 7, 100} {
			counts := make([]atomic.Int32, n)
			p.Run(n, func(i int) { counts[i].Add(1) })
			for i := range counts {
				if c := counts[i].Load(); c != 1 {
					t.Fatalf("threads %d, n %d: fn(%d) ran %d times", threads, n, i, c)
				}
			}
		}
	}
	if NewPool(0).Threads() < 1 || NewPool(5).Threads() != 5 || (*Pool)(nil).Threads() != 1 {
		t.Error("Threads() wrong")
	}
}

// TestPoolLimit: one Run never has more than Threads() calls in flight, and concurrent Runs on
// several pools (and nested Runs) complete.
func TestPoolLimit(t *testing.T) {
	p := NewPool(2)
	var running, peak atomic.Int32
	p.Run(40, func(int) {
		r := running.Add(1)
		for {
			old := peak.Load()
			if r <= old || peak.CompareAndSwap(old, r) {
				break
			}
		}
		time.Sleep(200 * time.Microsecond)
		running.Add(-1)
	})
	if peak.Load() > 2 {
		t.Errorf("%d tasks ran at once on a 2-thread pool", peak.Load())
	}

	var wg sync.WaitGroup
	var total atomic.Int64
	for g := range 6 {
		pool := NewPool(1 + g%3)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				pool.Run(10, func(int) {
					pool.Run(3, func(int) { total.Add(1) }) // nested: must not deadlock
				})
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("concurrent/nested Run deadlocked")
	}
	if total.Load() != 6*20*10*3 {
		t.Errorf("ran %d tasks, want %d", total.Load(), 6*20*10*3)
	}
}

// TestPoolWaitingRunHelps: a Run whose own tasks are done, waiting for a helper still running one,
// serves as a helper meanwhile. The caller claims the outer Run's short task first (the helper takes
// the long one while it runs); the long task makes a nested Run of sleeping tasks, which then runs on
// two goroutines, the helper and the waiting caller, instead of on the helper alone.
func TestPoolWaitingRunHelps(t *testing.T) {
	p := NewPool(2)
	p.Run(2, func(int) {}) // start the helpers
	for range 10 {
		var running, peak atomic.Int32
		p.Run(2, func(i int) {
			if i == 0 {
				time.Sleep(time.Millisecond)
				return
			}
			time.Sleep(3 * time.Millisecond) // the other task is done and its goroutine waits
			p.Run(8, func(int) {
				r := running.Add(1)
				for {
					old := peak.Load()
					if r <= old || peak.CompareAndSwap(old, r) {
						break
					}
				}
				time.Sleep(2 * time.Millisecond)
				running.Add(-1)
			})
		})
		want := int32(2)
		if nHelpers == 0 { // one CPU: everything runs on the caller
			want = 1
		}
		if peak.Load() != want {
			t.Fatalf("nested Run ran %d tasks at once, want %d (helpers: %d)", peak.Load(), want, nHelpers)
		}
	}
}

// TestPoolPanic: a panicking call, on the caller or on a helper, does not end the process or stop the
// other calls; Run raises its value in the caller afterwards, and the pool keeps working.
func TestPoolPanic(t *testing.T) {
	p := NewPool(2)
	for bad := range 6 {
		var ran [6]atomic.Bool
		got := func() (r any) {
			defer func() { r = recover() }()
			p.Run(6, func(i int) {
				time.Sleep(500 * time.Microsecond)
				ran[i].Store(true)
				if i == bad {
					panic(bad)
				}
			})
			return nil
		}()
		if got != bad {
			t.Errorf("Run raised %v, want %d", got, bad)
		}
		for i := range ran {
			if !ran[i].Load() {
				t.Errorf("call %d did not run when call %d panicked", i, bad)
			}
		}
	}
	var n atomic.Int32
	p.Run(100, func(int) { n.Add(1) })
	if n.Load() != 100 {
		t.Errorf("after the panics, Run made %d calls of 100", n.Load())
	}
}
