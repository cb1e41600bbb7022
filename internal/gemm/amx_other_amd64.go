//go:build !purego && !linux

package gemm

import "errors"

// requestTileData: only Linux is known to grant the tile state (arch_prctl); elsewhere AMX is not used.
func requestTileData() error { return errors.New("AMX is only used on Linux") }
