//go:build !unix

package cpu

// osMap: no anonymous mappings in this build (the arena falls back to the Go heap).
func osMap(n int) []byte { return nil }

func osUnmap(mem []byte) {}
