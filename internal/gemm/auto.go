package gemm

import "fmt"

// AutoBF16 is the CPU backend's precision=auto rule, the one place it is decided: whether bf16
// weights are the fastest path with the kernel in use whose results stay within the golden
// README's reduced-precision tolerances (logits within 0.05, same top-1, embeddings cosine >=
// 0.999: the bf16 paths pass them, see model's TestGoldenBF16), and why.
//
//   - amx (AMX-BF16 tiles): bf16 — TDPBF16PS does 16×16×32 multiply-adds per instruction, several
//     times the AVX-512 float32 rate (oneDNN's bf16 GEMM reaches about 950 GFLOP/s on 2 Emerald
//     Rapids threads).
//   - avx512bf16 (VDPBF16PS, no AMX): fp32 — on a 2-core Emerald Rapids VM the VDPBF16PS window
//     took 0.57 s against 0.37 s in fp32 (issue 13); bf16 is picked there only by asking for it.
//   - avx512, avx2, generic: fp32 — they have no bf16 arithmetic; bf16 weights are widened to fp32
//     in registers, the same multiply-adds plus the widening (half the memory only).
func AutoBF16() (bf16 bool, why string) {
	k := active()
	switch {
	case k.amxA && k.dtiles != nil:
		return true, fmt.Sprintf("kernel %s: AMX-BF16 tiles multiply bf16 several times faster than fp32", k.name)
	case k.dtiles != nil:
		return false, fmt.Sprintf("kernel %s: the VDPBF16PS bf16 path is slower than fp32 without AMX", k.name)
	}
	return false, fmt.Sprintf("kernel %s: no bf16 arithmetic on this CPU (bf16 weights are widened to fp32)", k.name)
}

// ParseDType reads the CPU backend's precision names: "fp32" (also "float32"), "bf16" (also
// "bfloat16"), or "auto" (also ""): AutoBF16's choice. It returns whether it is bf16.
func ParseDType(s string) (bf16 bool, err error) {
	switch s {
	case "fp32", "float32":
		return false, nil
	case "bf16", "bfloat16":
		return true, nil
	case "auto", "":
		bf16, _ := AutoBF16()
		return bf16, nil
	}
	return false, fmt.Errorf("unknown dtype %q (want auto, fp32 or bf16)", s)
}
