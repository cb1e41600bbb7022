package cpu

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// TestRunPartsPanic: a panic in a part, whichever goroutine runs it, reaches the caller of RunParts
// (where the engine recovers it) after the other parts have run, instead of ending the process from
// a helper goroutine.
func TestRunPartsPanic(t *testing.T) {
	b := New(Options{Threads: 2})
	for bad := range 4 {
		var ran [4]atomic.Bool
		got := func() (r any) {
			defer func() { r = recover() }()
			b.RunParts(4, func(p int) {
				time.Sleep(time.Millisecond)
				ran[p].Store(true)
				if p == bad {
					panic(fmt.Sprintf("part %d failed", p))
				}
			})
			return nil
		}()
		if want := fmt.Sprintf("part %d failed", bad); got != want {
			t.Errorf("RunParts raised %v, want %q", got, want)
		}
		for p := range ran {
			if !ran[p].Load() {
				t.Errorf("part %d did not run when part %d panicked", p, bad)
			}
		}
	}
}
