package safetensors

import "syscall"

// dropMapped tells the kernel that the pages of b, part of a read-only file mapping, are not needed:
// they leave the resident set and are read from the file again if touched.
func dropMapped(b []byte) { _ = syscall.Madvise(b, syscall.MADV_DONTNEED) }
