//go:build !linux

package safetensors

// dropMapped: pages are left to the OS's own reclaim on this system.
func dropMapped(b []byte) {}
