package cuda

import (
	"fmt"
	"unsafe"
)

// device is where the Backend's memory and launches go: the GPU through the CUDA driver (driver.go,
// build tag cuda) or emu, the pure-Go reference of every kernel (emu.go). Addresses are device
// addresses as uintptr; every kernel argument is 8 bytes.
type device interface {
	name() string
	// multiprocessors is the number of SMs (the GEMM picks its tile to fill them).
	multiprocessors() int
	alloc(bytes int64) (uintptr, error)
	// free releases memory no submitted launch uses any more (the caller synchronises first).
	free(p uintptr)
	// upload copies src to dst in stream order; src may be reused when it returns.
	upload(dst uintptr, src []byte) error
	// download copies src to dst after everything submitted before it, and waits for it.
	download(dst []byte, src uintptr) error
	// run submits launches in order. It does not keep ls.
	run(ls []launch) error
	// sync waits for everything submitted.
	sync() error
	close()
}

// launch is one recorded kernel launch.
type launch struct {
	k      kernel
	grid   [3]uint32
	block  uint32 // threads per block (1-D)
	shared uint32 // dynamic shared memory bytes
	args   []uint64

	// Not sent to the device: what the launch reads and writes, for dropping redundant zeroing.
	reads, writes []span
	zero          bool // a Workspace.Alloc zeroing of writes[0]
}

// span is a byte range [lo, hi) of device memory; dense means every byte in it is accessed (a packed
// matrix), not only the rows of a strided view.
type span struct {
	lo, hi uintptr
	dense  bool
}

func (s span) overlaps(o span) bool { return s.lo < o.hi && o.lo < s.hi }
func (s span) covers(o span) bool   { return s.dense && s.lo <= o.lo && s.hi >= o.hi }

func f32bytes(f []float32) []byte {
	if len(f) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&f[0])), 4*len(f))
}

// Error is a failure of the device (CUDA error, out of memory, missing kernel). Backend methods panic
// with it: the model.Backend interface has no error results, and none of these can be recovered from
// within a forward pass.
type Error struct {
	Op  string
	Err error
}

func (e *Error) Error() string { return fmt.Sprintf("cuda: %s: %v", e.Op, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

func check(op string, err error) {
	if err != nil {
		panic(&Error{Op: op, Err: err})
	}
}
