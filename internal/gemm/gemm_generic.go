//go:build !amd64 || purego

package gemm

// archKernels returns the assembly kernels usable on this CPU: none in this build.
func archKernels() []*kernel { return nil }

// AMXStatus reports whether the AMX-BF16 kernel can run here, and why not: in this build it cannot.
func AMXStatus() (ok bool, why string) {
	return false, "AMX kernels are amd64 assembly, not in this build"
}
