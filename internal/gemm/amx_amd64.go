//go:build !purego

package gemm

import (
	"sync"

	"golang.org/x/sys/cpu"
)

// amx is whether this process may run the AMX kernels, and why not; probed once, before the kernel
// list is built (package initialisation), because Linux must grant the tile state to the process before
// the first tile instruction (otherwise it raises SIGILL).
var amx = probeAMX()

// AMXStatus reports whether the AMX-BF16 kernel ("amx") can run in this process and, if not, why:
// "CPU lacks AMX", "CPU lacks AMX-BF16", the kernel's refusal of the tile state, or XCR0 without it.
func AMXStatus() (ok bool, why string) { return amx.OK, amx.Why }

type amxProbe struct {
	OK  bool
	Why string
}

func probeAMX() amxProbe {
	switch {
	case !cpu.X86.HasAMXTile:
		return amxProbe{Why: "CPU lacks AMX"}
	case !cpu.X86.HasAMXBF16:
		return amxProbe{Why: "CPU lacks AMX-BF16"}
	case !cpu.X86.HasAVX512F || !cpu.X86.HasAVX2 || !cpu.X86.HasFMA:
		return amxProbe{Why: "CPU has AMX but the OS does not enable AVX-512"}
	case !cpu.X86.HasOSXSAVE:
		return amxProbe{Why: "the OS does not enable XSAVE"}
	}
	if err := requestOnce(); err != nil {
		return amxProbe{Why: "the OS refused the AMX tile state: " + err.Error()}
	}
	// XCR0 bits 17 (XTILECFG) and 18 (XTILEDATA): the OS saves the tile registers.
	if xcr0 := xgetbv0(); xcr0&(3<<17) != 3<<17 {
		return amxProbe{Why: "the OS does not enable the AMX tile state (XCR0)"}
	}
	return amxProbe{OK: true}
}

// requestOnce makes the arch_prctl request at most once per process.
var requestOnce = sync.OnceValue(requestTileData)

// xgetbv0 returns XCR0 (XGETBV with ECX = 0); the caller checks OSXSAVE first.
func xgetbv0() uint64

// amxTile48, amxTile32 and amxTile16 are the AMX kernels as tileFuncD: each builds the tile
// configuration for k on its stack (direct calls, so that it does not escape: no allocation) and
// calls the kernel, which loads it, computes and releases the tiles.
func amxTile48(k int, a, b *uint32, ldb int, c *float32, ldc int, bias *float32, acc, n int) {
	var cfg [16]uint32
	amxConfig(&cfg, k)
	amxBF16x48(&cfg[0], k, a, b, ldb, c, ldc, bias, acc, n)
}

func amxTile32(k int, a, b *uint32, ldb int, c *float32, ldc int, bias *float32, acc, n int) {
	var cfg [16]uint32
	amxConfig(&cfg, k)
	amxBF16x32(&cfg[0], k, a, b, ldb, c, ldc, bias, acc, n)
}

func amxTile16(k int, a, b *uint32, ldb int, c *float32, ldc int, bias *float32, acc, n int) {
	var cfg [16]uint32
	amxConfig(&cfg, k)
	amxBF16x16(&cfg[0], k, a, b, ldb, c, ldc, bias, acc, n)
}

// amxBF16x48 computes n tiles of 16×48 (tileFuncD, A in the packA16AMX layout) with AMX-BF16: cfg
// is amxConfig(k); LDTILECFG, per 16 K pairs one A tile and three B tiles into three TDPBF16PS, C
// loaded (acc != 0) or zeroed and stored with TILESTORED, the bias added after the store,
// TILERELEASE (see amx.go and internal/asmgen).
//
//go:noescape
func amxBF16x48(cfg *uint32, k int, a, b *uint32, ldb int, c *float32, ldc int, bias *float32, acc, n int)

// amxBF16x32 is amxBF16x48 for 16×32 tiles.
//
//go:noescape
func amxBF16x32(cfg *uint32, k int, a, b *uint32, ldb int, c *float32, ldc int, bias *float32, acc, n int)

// amxBF16x16 is amxBF16x48 for 16×16 tiles.
//
//go:noescape
func amxBF16x16(cfg *uint32, k int, a, b *uint32, ldb int, c *float32, ldc int, bias *float32, acc, n int)
