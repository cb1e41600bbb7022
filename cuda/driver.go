//go:build cuda

package cuda

import (
	"errors"
	"fmt"
	"hash/maphash"
	"os"
	"runtime"
	"strings"
	"unsafe"

	"gorgonia.org/cu"
)

// driver is the GPU: one context, one stream, the embedded kernels, and a goroutine locked to an OS
// thread that makes every CUDA call (a context is current on one thread).
type driver struct {
	calls   chan func()
	dev     cu.Device
	ctx     cu.CUContext
	stream  cu.Stream
	funcs   [numKernels]cu.Function
	devName string
	sms     int
	graphs  *graphCache // nil: no graphs
}

// New opens a CUDA device and returns a Backend on it.
func New(opts Options) (*Backend, error) {
	d := &driver{calls: make(chan func())}
	ready := make(chan error)
	go d.loop(opts.Device, ready)
	if err := <-ready; err != nil {
		return nil, err
	}
	noGraphs := opts.NoGraphs || os.Getenv("XCLIP_CUDA_GRAPHS") == "0"
	if !noGraphs {
		d.graphs = newGraphCache()
	}
	return newBackend(d, opts.DType)
}

// loop owns the context: it runs every call sent to d.calls on its locked OS thread.
func (d *driver) loop(ordinal int, ready chan<- error) {
	runtime.LockOSThread()
	if err := d.open(ordinal); err != nil {
		ready <- err
		runtime.UnlockOSThread()
		return
	}
	ready <- nil
	for f := range d.calls {
		f()
	}
	runtime.UnlockOSThread()
}

func (d *driver) open(ordinal int) error {
	n, err := cu.NumDevices()
	if err != nil {
		return fmt.Errorf("cuda: counting devices: %w", err)
	}
	if ordinal < 0 || ordinal >= n {
		return fmt.Errorf("cuda: device %d requested, %d present", ordinal, n)
	}
	if d.dev, err = cu.GetDevice(ordinal); err != nil {
		return fmt.Errorf("cuda: device %d: %w", ordinal, err)
	}
	if d.devName, err = d.dev.Name(); err != nil {
		return fmt.Errorf("cuda: device name: %w", err)
	}
	major, minor, err := d.dev.ComputeCapability()
	if err != nil {
		return fmt.Errorf("cuda: compute capability: %w", err)
	}
	if major < 8 {
		return fmt.Errorf("cuda: %s has compute capability %d.%d; the kernels need 8.0 or newer (mma.sync bf16, cp.async)", d.devName, major, minor)
	}
	if d.sms, err = d.dev.Attribute(cu.MultiprocessorCount); err != nil {
		return fmt.Errorf("cuda: multiprocessor count: %w", err)
	}
	if d.ctx, err = d.dev.MakeContext(cu.SchedAuto); err != nil {
		return fmt.Errorf("cuda: creating a context on %s: %w", d.devName, err)
	}
	if d.stream, err = cu.MakeStream(cu.NonBlocking); err != nil {
		return fmt.Errorf("cuda: stream: %w", err)
	}
	return d.loadKernels(major)
}

// loadKernels loads the embedded modules: the sm_90 cubins on compute capability 9.x, else (or if that
// fails) the compute_80 PTX, which the driver compiles for the device.
func (d *driver) loadKernels(major int) error {
	var errs []string
	found := 0
	for _, m := range embeddedModules() {
		var mod cu.Module
		var err error
		if major == 9 && m.cubin != nil {
			mod, err = cu.LoadData(string(m.cubin))
		}
		if major != 9 || m.cubin == nil || err != nil {
			mod, err = cu.LoadData(string(m.ptx))
		}
		if err != nil {
			return fmt.Errorf("cuda: loading kernels %s: %w", m.name, err)
		}
		for k := range numKernels {
			if fn, err := mod.Function(kernelSpecs[k].name); err == nil {
				d.funcs[k] = fn
				found++
			} else if !errors.Is(err, cu.NotFound) && !strings.Contains(err.Error(), "NotFound") {
				errs = append(errs, err.Error())
			}
		}
	}
	for k := range numKernels {
		if d.funcs[k] == (cu.Function{}) {
			return fmt.Errorf("cuda: kernel %s missing from the embedded modules (run make ptx) %v", kernelSpecs[k].name, errs)
		}
	}
	return nil
}

// do runs f on the context's thread and waits.
func (d *driver) do(f func() error) error {
	done := make(chan error, 1)
	d.calls <- func() { done <- f() }
	return <-done
}

func (d *driver) name() string         { return "cuda/" + d.devName }
func (d *driver) multiprocessors() int { return d.sms }

func (d *driver) alloc(n int64) (p uintptr, err error) {
	err = d.do(func() error {
		ptr, err := cu.MemAlloc(n)
		if err != nil {
			var free, total int64
			free, total, _ = cu.MemInfo()
			return fmt.Errorf("allocating %d MiB (free %d of %d MiB): %w", n>>20, free>>20, total>>20, err)
		}
		p = uintptr(ptr)
		return nil
	})
	return p, err
}

func (d *driver) free(p uintptr) {
	_ = d.do(func() error { return cu.MemFree(cu.DevicePtr(p)) })
}

func (d *driver) upload(dst uintptr, src []byte) error {
	if len(src) == 0 {
		return nil
	}
	return d.do(func() error {
		// Pageable memory: the driver copies src into its staging before returning.
		err := cu.MemcpyHtoDAsync(cu.DevicePtr(dst), unsafe.Pointer(&src[0]), int64(len(src)), d.stream)
		runtime.KeepAlive(src)
		return err
	})
}

func (d *driver) download(dst []byte, src uintptr) error {
	if len(dst) == 0 {
		return nil
	}
	return d.do(func() error {
		if err := cu.MemcpyDtoHAsync(unsafe.Pointer(&dst[0]), cu.DevicePtr(src), int64(len(dst)), d.stream); err != nil {
			return err
		}
		err := d.stream.Synchronize()
		runtime.KeepAlive(dst)
		return err
	})
}

func (d *driver) sync() error { return d.do(func() error { return d.stream.Synchronize() }) }

func (d *driver) run(ls []launch) error {
	return d.do(func() error {
		if d.graphs != nil {
			return d.graphs.run(d, ls)
		}
		return d.launchAll(ls)
	})
}

// launchAll launches ls kernel by kernel on the stream (on the context's thread).
func (d *driver) launchAll(ls []launch) error {
	var params [16]unsafe.Pointer
	for i := range ls {
		l := &ls[i]
		for j := range l.args {
			params[j] = unsafe.Pointer(&l.args[j])
		}
		err := d.funcs[l.k].Launch(int(l.grid[0]), int(l.grid[1]), int(l.grid[2]), int(l.block), 1, 1, int(l.shared),
			d.stream, params[:len(l.args)])
		if err != nil {
			return fmt.Errorf("launching %s grid %v block %d: %w", l.k, l.grid, l.block, err)
		}
	}
	return nil
}

func (d *driver) close() {
	_ = d.do(func() error {
		if d.graphs != nil {
			d.graphs.destroy()
		}
		_ = d.stream.Destroy()
		return d.ctx.Destroy()
	})
	close(d.calls)
}

// --- CUDA graphs -----------------------------------------------------------------------------------

// graphCache replays schedules seen before as CUDA graphs. A schedule's key hashes every launch
// (kernel, geometry, arguments); the first time a key is seen the schedule runs kernel by kernel, the
// second time it is captured from the stream into a graph (and that graph launched), after that the
// graph is launched alone. Arguments hold device addresses, so the key changes whenever memory does.
type graphCache struct {
	seed    maphash.Seed
	seen    map[uint64]int
	graphs  map[uint64]*graphExec
	order   []uint64 // oldest first, for eviction
	maxSize int
	// Stats: graph launches, captures, schedules run kernel by kernel.
	Replays, Captures, Direct int
}

func newGraphCache() *graphCache {
	return &graphCache{seed: maphash.MakeSeed(), seen: map[uint64]int{}, graphs: map[uint64]*graphExec{}, maxSize: 64}
}

func (g *graphCache) key(ls []launch) uint64 {
	var h maphash.Hash
	h.SetSeed(g.seed)
	var buf [8]byte
	put := func(v uint64) {
		for i := range buf {
			buf[i] = byte(v >> (8 * i))
		}
		h.Write(buf[:])
	}
	for i := range ls {
		l := &ls[i]
		put(uint64(l.k))
		put(uint64(l.grid[0]) | uint64(l.grid[1])<<32)
		put(uint64(l.grid[2]) | uint64(l.block)<<32)
		put(uint64(l.shared) | uint64(len(l.args))<<32)
		for _, a := range l.args {
			put(a)
		}
	}
	return h.Sum64()
}

// minGraphLaunches: shorter schedules (a Download's copy, one LayerNorm) are not worth a graph.
const minGraphLaunches = 8

func (g *graphCache) run(d *driver, ls []launch) error {
	if len(ls) < minGraphLaunches {
		g.Direct++
		return d.launchAll(ls)
	}
	k := g.key(ls)
	if ge, ok := g.graphs[k]; ok {
		g.Replays++
		return ge.launch(d.stream)
	}
	g.seen[k]++
	if g.seen[k] < 2 {
		g.Direct++
		return d.launchAll(ls)
	}
	ge, err := capture(d, ls)
	if err != nil {
		// Capture can fail where graphs are unsupported; run directly and stop trying for this key.
		g.seen[k] = -1 << 30
		g.Direct++
		return d.launchAll(ls)
	}
	delete(g.seen, k)
	g.Captures++
	if len(g.order) >= g.maxSize {
		old := g.order[0]
		g.order = g.order[1:]
		g.graphs[old].destroy()
		delete(g.graphs, old)
	}
	g.graphs[k] = ge
	g.order = append(g.order, k)
	return ge.launch(d.stream)
}

func (g *graphCache) destroy() {
	for _, ge := range g.graphs {
		ge.destroy()
	}
	g.graphs = map[uint64]*graphExec{}
	g.order = nil
}

// capture records ls from the stream into an instantiated graph.
func capture(d *driver, ls []launch) (*graphExec, error) {
	s := rawStream(d.stream)
	if err := beginCapture(s); err != nil {
		return nil, err
	}
	lerr := d.launchAll(ls)
	graph, err := endCapture(s)
	if lerr != nil {
		if graph != 0 {
			destroyGraph(graph)
		}
		return nil, lerr
	}
	if err != nil {
		return nil, err
	}
	exec, err := instantiate(graph)
	destroyGraph(graph)
	if err != nil {
		return nil, err
	}
	return &graphExec{exec: exec}, nil
}

type graphExec struct{ exec uintptr }

func (g *graphExec) launch(s cu.Stream) error { return launchGraph(g.exec, rawStream(s)) }
func (g *graphExec) destroy()                 { destroyGraphExec(g.exec) }

// rawStream is the CUstream inside a cu.Stream (a struct of one C pointer).
func rawStream(s cu.Stream) uintptr { return *(*uintptr)(unsafe.Pointer(&s)) }
