package cpu

import "github.com/xclipfilter/xclipfilter/internal/gemm"

// ParseDType reads a precision name for the CPU backend: "fp32" (also "float32"), "bf16" (also
// "bfloat16"), or "auto" (also ""): the fastest path within the reduced-precision tolerances, as
// AutoBF16 decides. It returns whether it is bf16.
func ParseDType(s string) (bf16 bool, err error) { return gemm.ParseDType(s) }

// AutoBF16 is what precision=auto means on this CPU: bf16 weights where the CPU multiplies bf16
// faster than fp32 (AMX-BF16), fp32 elsewhere — with the reason, for logs. The rule is gemm.AutoBF16.
func AutoBF16() (bf16 bool, why string) { return gemm.AutoBF16() }

// AMXStatus reports whether the CPU backend multiplies bf16 weights on AMX tiles in this process
// and, if not, why ("CPU lacks AMX", or the OS's refusal of the tile state): for logs and xclip bench.
func AMXStatus() (ok bool, why string) { return gemm.AMXStatus() }
