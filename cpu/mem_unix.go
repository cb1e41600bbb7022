//go:build unix

package cpu

import "syscall"

// osMap maps n bytes of zeroed anonymous memory, or returns nil.
func osMap(n int) []byte {
	mem, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return nil
	}
	return mem
}

func osUnmap(mem []byte) { _ = syscall.Munmap(mem) }
