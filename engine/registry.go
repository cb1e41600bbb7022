package engine

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// Key names one model instance. Holders that ask for equal keys share one loaded classifier (and so
// one label-feature cache) and one Scheduler.
type Key struct {
	Checkpoint string // the resolved checkpoint folder
	Device     string // as the holder names it: "cpu", "cuda", "auto"
	Precision  string // "fp32", "bf16", "auto"...
	// Instance separates holders that would otherwise share ("" for the shared instance): different
	// values load separate copies of the same checkpoint.
	Instance string
}

func (k Key) String() string {
	s := fmt.Sprintf("%s (device %s, precision %s", k.Checkpoint, k.Device, k.Precision)
	if k.Instance != "" {
		s += fmt.Sprintf(", instance %q", k.Instance)
	}
	return s + ")"
}

// Registry hands out model instances by Key, reference-counted: the first Acquire of a key loads the
// classifier and starts its Scheduler, the last Release stops the scheduler and drops the classifier
// (closing it when it has a Close method, e.g. to free GPU memory).
//
// A process is meant to hold one Registry (the plugin keeps it in a package variable): elements are
// created independently by GStreamer and know nothing of each other, so the only way for them to share
// a model of hundreds of megabytes is a table they all reach. Everything else about an instance lives
// in the holders' handles.
type Registry[C BatchClassifier] struct {
	mu    sync.Mutex
	m     map[Key]*instance[C]
	loads atomic.Uint64
}

// instance is one loaded classifier and its scheduler, with the number of handles on it.
type instance[C BatchClassifier] struct {
	key   Key
	ready chan struct{} // closed when loaded (or its load failed: err)
	err   error
	c     C
	sched *Scheduler
	refs  int // Registry.mu
}

// Shared is one holder's handle on an instance: Release it once done (more Releases do nothing).
type Shared[C BatchClassifier] struct {
	Classifier C
	Scheduler  *Scheduler
	// Created is set on the handle whose Acquire loaded the instance: the batching it asked for is
	// the instance's. Other holders get the instance as it is (Scheduler.Config says how it batches).
	Created bool

	reg  *Registry[C]
	inst *instance[C]
	once sync.Once
}

// NewRegistry returns an empty registry.
func NewRegistry[C BatchClassifier]() *Registry[C] {
	return &Registry[C]{m: map[Key]*instance[C]{}}
}

// Acquire returns a handle on the instance for key. When no one holds it, load is called (on this
// goroutine; others asking for the same key meanwhile wait for it rather than load a second copy)
// and the scheduler starts with cfg. A failed load is returned to every waiter and not remembered:
// the next Acquire tries again.
func (r *Registry[C]) Acquire(key Key, cfg BatchConfig, load func() (C, error)) (*Shared[C], error) {
	r.mu.Lock()
	inst, ok := r.m[key]
	if ok {
		inst.refs++
		r.mu.Unlock()
		<-inst.ready
		if inst.err != nil {
			r.mu.Lock()
			inst.refs--
			r.mu.Unlock()
			return nil, inst.err
		}
		return &Shared[C]{Classifier: inst.c, Scheduler: inst.sched, reg: r, inst: inst}, nil
	}
	inst = &instance[C]{key: key, ready: make(chan struct{}), refs: 1}
	r.m[key] = inst
	r.mu.Unlock()

	inst.err = func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("internal error loading %s: %v", key, p)
			}
		}()
		if inst.c, err = load(); err != nil {
			return err
		}
		r.loads.Add(1)
		inst.sched, err = NewScheduler(inst.c, cfg)
		if err != nil {
			closeClassifier(inst.c)
		}
		return err
	}()
	if inst.err != nil {
		r.mu.Lock()
		delete(r.m, key)
		r.mu.Unlock()
		close(inst.ready)
		return nil, inst.err
	}
	close(inst.ready)
	return &Shared[C]{Classifier: inst.c, Scheduler: inst.sched, Created: true, reg: r, inst: inst}, nil
}

// Release gives the handle back; the last one stops the scheduler and drops the classifier. The
// engines using the scheduler must be closed first.
func (s *Shared[C]) Release() {
	s.once.Do(func() {
		r, inst := s.reg, s.inst
		r.mu.Lock()
		inst.refs--
		last := inst.refs == 0
		if last {
			delete(r.m, inst.key)
		}
		r.mu.Unlock()
		if last {
			inst.sched.Close()
			closeClassifier(inst.c)
		}
	})
}

// closeClassifier closes c when it holds something beyond memory (a GPU context).
func closeClassifier(c any) {
	if cl, ok := c.(interface{ Close() }); ok {
		cl.Close()
	}
}

// Loads is the number of classifiers loaded since NewRegistry.
func (r *Registry[C]) Loads() uint64 { return r.loads.Load() }

// Held is the number of instances loaded and not released.
func (r *Registry[C]) Held() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.m)
}
