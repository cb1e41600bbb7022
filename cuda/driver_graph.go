//go:build cuda

package cuda

// The CUDA-graph calls gorgonia.org/cu v0.9.6 does not wrap (stream capture, instantiate, launch), made
// directly on the driver API. Handles cross as uintptr.

/*
#cgo LDFLAGS: -lcuda
#include <cuda.h>
#include <stdint.h>

static CUresult xc_begin_capture(uintptr_t s) {
	return cuStreamBeginCapture((CUstream)s, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL);
}
static CUresult xc_end_capture(uintptr_t s, uintptr_t *g) {
	CUgraph graph = 0;
	CUresult r = cuStreamEndCapture((CUstream)s, &graph);
	*g = (uintptr_t)graph;
	return r;
}
static CUresult xc_instantiate(uintptr_t g, uintptr_t *e) {
	CUgraphExec exec = 0;
	CUresult r = cuGraphInstantiateWithFlags(&exec, (CUgraph)g, 0);
	*e = (uintptr_t)exec;
	return r;
}
static CUresult xc_launch(uintptr_t e, uintptr_t s) { return cuGraphLaunch((CUgraphExec)e, (CUstream)s); }
static void xc_destroy_graph(uintptr_t g) { cuGraphDestroy((CUgraph)g); }
static void xc_destroy_exec(uintptr_t e) { cuGraphExecDestroy((CUgraphExec)e); }
static const char *xc_error_name(CUresult r) {
	const char *s = 0;
	if (cuGetErrorName(r, &s) != CUDA_SUCCESS || s == 0) return "unknown CUDA error";
	return s;
}
*/
import "C"

import "fmt"

func cuErr(op string, r C.CUresult) error {
	if r == C.CUDA_SUCCESS {
		return nil
	}
	return fmt.Errorf("%s: %s (%d)", op, C.GoString(C.xc_error_name(r)), int(r))
}

func beginCapture(s uintptr) error {
	return cuErr("cuStreamBeginCapture", C.xc_begin_capture(C.uintptr_t(s)))
}

func endCapture(s uintptr) (uintptr, error) {
	var g C.uintptr_t
	err := cuErr("cuStreamEndCapture", C.xc_end_capture(C.uintptr_t(s), &g))
	return uintptr(g), err
}

func instantiate(g uintptr) (uintptr, error) {
	var e C.uintptr_t
	err := cuErr("cuGraphInstantiateWithFlags", C.xc_instantiate(C.uintptr_t(g), &e))
	return uintptr(e), err
}

func launchGraph(e, s uintptr) error {
	return cuErr("cuGraphLaunch", C.xc_launch(C.uintptr_t(e), C.uintptr_t(s)))
}

func destroyGraph(g uintptr)     { C.xc_destroy_graph(C.uintptr_t(g)) }
func destroyGraphExec(e uintptr) { C.xc_destroy_exec(C.uintptr_t(e)) }
