//go:build !amd64 || purego

package gemm

// archKernels returns the assembly kernels usable on this CPU: none in this build.
func archKernels() []*kernel { return nil }
