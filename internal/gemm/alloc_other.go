//go:build !unix

package gemm

// osAlloc: no OS mappings in this build; packed weights live in the Go heap.
func osAlloc(n int) []byte { return nil }

func osFree(mem []byte) {}
