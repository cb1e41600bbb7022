// Package soak is the long-running test of the live path (issue #12): a live source classified by
// xclipfilter and published by xclipmetapublish to a real mosquitto broker that the test kills and
// restarts every few tens of seconds, for as long as XCLIP_SOAK says (10m for the real soak, `make
// soak`; a short run by default, so that `go test ./...` keeps it in CI). It reports results published,
// dropped and received, windows skipped, broker restarts survived, the process's RSS after warm-up and
// at the end, and the p99 of buffer lateness at the sink in the first and last third of the run, and
// fails when results do not resume after a restart, when the pipeline posts an error, or when RSS or
// lateness grow beyond generous margins.
//
// The figures are of this process: the elements are registered statically (xclipfilter.RegisterStatic,
// xclipmetapublish.RegisterStatic), RSS is read from /proc/self/status, and lateness is measured by a
// pad probe on the sink's pad: the pipeline's running time when the buffer arrives minus the buffer's
// running time. A live source stamps each buffer with the running time at which it was captured, so
// lateness is the time a frame spent between capture and the sink; a filter that held the streaming
// thread (or a queue that grew) would make it climb over the run.
//
// The model is XCLIP_SOAK_MODEL when set (a checkpoint folder); else, when XCLIP_GOLDEN is set and the
// test is not -short, a base-patch32-sized checkpoint assembled in a temporary folder from the golden
// base-patch32-8f formula weights (weights_manifest.json, about 600 MB of fp32 in memory) and the tiny
// checkpoint's CLIP tokenizer; else the tiny checkpoint testdata/xclip-tiny-a.
package soak
