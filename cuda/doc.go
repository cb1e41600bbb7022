// Package cuda is the GPU backend of xclipfilter: model.Backend on an NVIDIA GPU through the CUDA driver
// API (gorgonia.org/cu), running kernels written for it in CUDA C (kernels/*.cu), compiled ahead of time
// to PTX and sm_90 cubins by `make ptx` and embedded in the binary.
//
// Only the files with the build tag cuda touch the driver: gorgonia.org/cu initialises CUDA in its
// package init and exits the process where there is no GPU, so the default build leaves it out and New
// returns an error. The rest of the package (the backend's bookkeeping, launch geometry, dtype
// conversion and emu, a pure-Go reference of every kernel) builds and is tested everywhere.
//
// # Design
//
// Backend (backend.go) implements model.Backend over a device (device.go): the real one (driver.go,
// tag cuda) or emu (emu.go). Activations live in device memory as fp32 — Mat.Dev is the address of
// element (0, 0) — in every mode; what the mode changes is the weights and the matrix multiply:
//
//   - FP32: weights in fp32, a SIMT fp32 GEMM (no TF32): the verification mode.
//   - BF16, FP16: weights converted once by NewLinear; tensor-core GEMM (mma.sync m16n8k16, fp32
//     accumulation) that converts the fp32 activations to bf16/fp16 as it stages their tiles.
//
// Attention, LayerNorm, softmax and every reduction run in fp32 (reductions in fp64) in all modes.
//
// Operations are not launched one by one: each Backend call records a launch (kernel, grid, 8-byte
// arguments) in a schedule, and the schedule is submitted at the next point where the host needs device
// results (Download, Upload, Sync). A dedicated goroutine locked to one OS thread owns the CUDA context
// and runs each submitted schedule; a schedule seen before (same kernels, same arguments: same shapes
// and, through the deterministic workspace allocator, same addresses) is replayed as a CUDA graph, so
// a steady stream of same-sized batches costs one graph launch per forward pass instead of hundreds of
// kernel launches.
//
// Workspace memory is a bump allocator over pooled chunks (pool.go) that are handed out in the same
// order for every forward pass; Release returns them. Alloc's zeroing is a recorded zero kernel, dropped
// when the next operation touching that memory overwrites all of it (nearly always).
package cuda
