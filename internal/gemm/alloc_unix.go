//go:build unix

package gemm

import "syscall"

// osAlloc returns n bytes of zeroed, page-aligned memory mapped from the OS, outside the Go heap, or
// nil if the mapping fails. osFree unmaps it.
func osAlloc(n int) []byte {
	mem, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return nil
	}
	return mem
}

func osFree(mem []byte) { _ = syscall.Munmap(mem) }
