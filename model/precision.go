package model

import "github.com/xclipfilter/xclipfilter/internal/gemm"

// The CPU backend's precision helpers live in package cpu; these forward there for callers that have
// not moved yet (package cpu imports model, so model cannot import it: they share internal/gemm).

// ParseDType reads a precision name for the CPU backend ("fp32", "bf16", "auto").
//
// Deprecated: use cpu.ParseDType.
func ParseDType(s string) (bf16 bool, err error) { return gemm.ParseDType(s) }

// AutoBF16 is what precision=auto means on this CPU, with the reason.
//
// Deprecated: use cpu.AutoBF16.
func AutoBF16() (bf16 bool, why string) { return gemm.AutoBF16() }

// AMXStatus reports whether the CPU backend multiplies bf16 weights on AMX tiles here, and if not why.
//
// Deprecated: use cpu.AMXStatus.
func AMXStatus() (ok bool, why string) { return gemm.AMXStatus() }
