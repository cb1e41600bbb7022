package cuda

import "math"

// kernel names a kernel of kernels/*.cu; kernelSpecs gives its name and parameter count (every
// parameter is 8 bytes; ptx_test.go checks both against the embedded PTX).
type kernel int

const (
	kGemmBF16_128x128v kernel = iota
	kGemmBF16_128x128s
	kGemmBF16_64x128v
	kGemmBF16_64x128s
	kGemmBF16_64x64v
	kGemmBF16_64x64s
	kGemmFP16_128x128v
	kGemmFP16_128x128s
	kGemmFP16_64x128v
	kGemmFP16_64x128s
	kGemmFP16_64x64v
	kGemmFP16_64x64s
	kGemmF32
	kAttention
	kLayerNorm
	kZero
	kAddRows
	kActivate
	kScaleCols
	kCopy
	kGather
	kMeanFrames
	kNormalize
	kRowDots
	kPatchify
	numKernels
)

const gemmArgs = 13

var kernelSpecs = [numKernels]struct {
	name  string
	nargs int
}{
	kGemmBF16_128x128v: {"gemm_bf16_128x128_v", gemmArgs},
	kGemmBF16_128x128s: {"gemm_bf16_128x128_s", gemmArgs},
	kGemmBF16_64x128v:  {"gemm_bf16_64x128_v", gemmArgs},
	kGemmBF16_64x128s:  {"gemm_bf16_64x128_s", gemmArgs},
	kGemmBF16_64x64v:   {"gemm_bf16_64x64_v", gemmArgs},
	kGemmBF16_64x64s:   {"gemm_bf16_64x64_s", gemmArgs},
	kGemmFP16_128x128v: {"gemm_fp16_128x128_v", gemmArgs},
	kGemmFP16_128x128s: {"gemm_fp16_128x128_s", gemmArgs},
	kGemmFP16_64x128v:  {"gemm_fp16_64x128_v", gemmArgs},
	kGemmFP16_64x128s:  {"gemm_fp16_64x128_s", gemmArgs},
	kGemmFP16_64x64v:   {"gemm_fp16_64x64_v", gemmArgs},
	kGemmFP16_64x64s:   {"gemm_fp16_64x64_s", gemmArgs},
	kGemmF32:           {"gemm_f32_64x64", gemmArgs},
	kAttention:         {"attention_f32", 15},
	kLayerNorm:         {"layernorm_f32", 9},
	kZero:              {"zero_f32", 2},
	kAddRows:           {"add_rows_f32", 7},
	kActivate:          {"activate_f32", 5},
	kScaleCols:         {"scale_cols_f32", 5},
	kCopy:              {"copy_f32", 6},
	kGather:            {"gather_f32", 7},
	kMeanFrames:        {"mean_frames_f32", 9},
	kNormalize:         {"normalize_f32", 4},
	kRowDots:           {"row_dots_f32", 10},
	kPatchify:          {"patchify_f32", 7},
}

func (k kernel) String() string { return kernelSpecs[k].name }

// Kernel arguments: every one 8 bytes (gorgonia.org/cu copies 8 bytes per argument).
func argPtr(p uintptr) uint64 { return uint64(p) }
func argInt(v int) uint64     { return uint64(int64(v)) }
func argF64(v float32) uint64 { return math.Float64bits(float64(v)) }
func argBool(v bool) uint64 {
	if v {
		return 1
	}
	return 0
}

// --- launch geometry -----------------------------------------------------------------------------

func ceilDiv(a, b int) int { return (a + b - 1) / b }
func roundUp(a, b int) int { return ceilDiv(a, b) * b }

// Weight padding: rows to a multiple of the largest BN, columns to a multiple of BK (gemm.cu).
const (
	gemmPadN = 128
	gemmPadK = 32
)

// gemmTile picks the tensor-core tile for an M×N output: the largest tile that still gives every SM
// two blocks, else one block, else the smallest.
func gemmTile(m, n, sms int) (bm, bn int) {
	blocks := func(bm, bn int) int { return ceilDiv(m, bm) * ceilDiv(n, bn) }
	switch {
	case blocks(128, 128) >= 2*sms:
		return 128, 128
	case blocks(64, 128) >= sms:
		return 64, 128
	}
	return 64, 64
}

// gemmKernel is the kernel for a dtype, tile and A-load width.
func gemmKernel(dt DType, bm, bn int, vec bool) (k kernel, threads int) {
	if dt == FP32 {
		return kGemmF32, 256
	}
	switch {
	case bm == 128:
		k, threads = kGemmBF16_128x128v, 256
	case bn == 128:
		k, threads = kGemmBF16_64x128v, 128
	default:
		k, threads = kGemmBF16_64x64v, 128
	}
	if dt == FP16 {
		k += kGemmFP16_128x128v - kGemmBF16_128x128v
	}
	if !vec {
		k++
	}
	return k, threads
}

// Attention (attention.cu): 128 threads, at most attEPT outputs per thread, 48 KB of shared memory.
const (
	attThreads   = 128
	attEPT       = 32
	attSharedMax = 48 << 10
)

// attentionBlock picks the queries per block (a multiple of 4) and the dynamic shared memory, or ok =
// false when even 4 queries do not fit (keys too many for one block).
func attentionBlock(lq, lk, hd int) (qb, shared int, ok bool) {
	lkPad := roundUp(lk, 32)
	hp := hd + 1
	size := func(qb int) int { return 4 * (qb*lkPad + qb*hp + 32*hp) }
	qb = min(64, roundUp(lq, 4))
	for qb > 4 && (size(qb) > attSharedMax || qb*hd > attThreads*attEPT) {
		qb -= 4
	}
	if size(qb) > attSharedMax || qb*hd > attThreads*attEPT {
		return 0, 0, false
	}
	return qb, size(qb), true
}

// elementwiseGrid is the 1-D grid of a grid-stride kernel over n elements with 256 threads.
func elementwiseGrid(n, sms int) uint32 {
	return uint32(max(1, min(ceilDiv(n, 256), 16*sms)))
}
