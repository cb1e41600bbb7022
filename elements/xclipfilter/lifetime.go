package xclipfilter

/*
#include <stdlib.h>
#include "xclip.h"
*/
import "C"

import (
	"fmt"
	"unsafe"

	"github.com/xclipfilter/xclipfilter/elements/internal/gstglue"
)

// The element's lifetime and its goroutines.
//
// The inference goroutine and the label goroutines post messages from outside any GStreamer thread,
// so they must never touch an element that is gone. An application may drop a PLAYING pipeline
// without setting it to NULL: then Stop never runs, and the element is finalized while its goroutines
// are still at work. Two rules make that safe:
//
//   - Goroutines reach the element only through a GWeakRef (withSelf): g_weak_ref_get hands out a
//     strong reference, or NULL once the last reference is being dropped, atomically with respect to
//     that drop. A post therefore either happens on a live element, which it keeps alive until done,
//     or not at all.
//   - Finalize tears the state down without waiting for those goroutines (it may even run on one of
//     them, when their reference was the last): it detaches the state, lets a goroutine close the
//     engine, and frees the weak reference only once every goroutine that could read it has ended.
//
// Holding a strong reference for the whole life of the worker instead would keep a dropped element,
// and its model, alive forever; making finalize wait would deadlock when the worker's own unref
// finalizes the element.

// withSelf runs fn with a strong reference to the element, and reports false (without running it)
// when the element is being finalized.
func (f *filter) withSelf(fn func(self unsafe.Pointer)) bool {
	if f.weak == nil {
		return false
	}
	obj := C.xclip_weak_get(f.weak)
	if obj == nil {
		return false
	}
	defer C.xclip_object_unref(obj) // may finalize the element, after fn
	fn(obj)
	return true
}

// shutdown stops the engine (interrupting label encoding), gives the model instance back and waits for every goroutine of the state.
// After it returns nothing of this state posts anything.
func (st *state) shutdown() {
	close(st.watchStop)
	st.watchWG.Wait()
	st.eng.Close()
	st.model.Release() // the last element to stop frees the model
	st.labelWG.Wait()
	close(st.statsStop)
	st.statsWG.Wait()
	C.xclip_video_info_free(st.info)
	st.info = nil
	st.pmu.Lock()
	st.pending = nil
	st.pmu.Unlock()
}

//export goXclipFinalize
func goXclipFinalize(obj *C.GObject) {
	f := filterOf(unsafe.Pointer(obj))
	if f == nil {
		return
	}
	defer func() {
		if p := recover(); p != nil {
			gstglue.Log(C.xclip_debug_category(), nil, C.GST_LEVEL_ERROR, "xclipfilter",
				fmt.Sprintf("xclipfilter: internal error in finalize: %v", p))
		}
	}()
	f.mu.Lock()
	st := f.st
	f.st = nil
	f.mu.Unlock()
	weak := f.weak
	if st == nil {
		// Stopped (or never started): no goroutine of ours runs.
		if weak != nil {
			C.xclip_weak_free(weak)
		}
		return
	}
	gstglue.Log(C.xclip_debug_category(), nil, C.GST_LEVEL_WARNING, "xclipfilter",
		"xclipfilter: finalized without being set to NULL (the application dropped a running "+
			"pipeline): stopping inference; results still in flight are dropped")
	go func() {
		st.shutdown()
		C.xclip_weak_free(weak)
	}()
}
