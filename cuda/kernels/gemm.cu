// Linear layers: y = act(x·Wᵀ + bias) + res, the epilogue of model.Linear.Forward.
//
//   x    [M, K] fp32, row stride ldx (activations stay fp32 in device memory)
//   W    [Np, Kp] in the layer's dtype (bf16, fp16 or fp32), zero-padded by the host to Np a multiple
//        of 128 and Kp a multiple of 32, so that weight tiles are read without bounds checks
//   bias [N] fp32 or null; res [M, N] fp32 (row stride ldr) or null, may be y itself
//   y    [M, N] fp32, row stride ldy
//
// Tensor-core kernels (bf16 and fp16): mma.sync.m16n8k16 with fp32 accumulation. The fp32 activations
// are converted to the weight dtype as their tiles are staged into shared memory: each thread loads its
// part of the next A tile into registers (float4 when aligned) while the warps compute on the current
// one, then rounds it (round-to-nearest-even) and stores it; weight tiles come in with cp.async. Two
// shared-memory stages, one barrier per k-tile. Fragments are read with ldmatrix.
//
// fp32 kernel (verification mode): SIMT, fp32 FMA only (no TF32).
#include "common.cuh"

namespace {

template <typename T> struct mma_type;
template <> struct mma_type<__nv_bfloat16> {
    static __device__ __forceinline__ uint32_t pack(float a, float b) {
        __nv_bfloat162 v = __floats2bfloat162_rn(a, b);
        return *reinterpret_cast<uint32_t*>(&v);
    }
    static __device__ __forceinline__ void mma(float* c, const uint32_t* a, const uint32_t* b) {
        asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
                     "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                     : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                     : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
    }
};
template <> struct mma_type<__half> {
    static __device__ __forceinline__ uint32_t pack(float a, float b) {
        __half2 v = __floats2half2_rn(a, b);
        return *reinterpret_cast<uint32_t*>(&v);
    }
    static __device__ __forceinline__ void mma(float* c, const uint32_t* a, const uint32_t* b) {
        asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 "
                     "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                     : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                     : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
    }
};

__device__ __forceinline__ uint32_t smem_addr(const void* p) {
    return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

__device__ __forceinline__ void cp_async16(void* dst, const void* src) {
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"(smem_addr(dst)), "l"(src));
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
__device__ __forceinline__ void cp_async_wait_all() { asm volatile("cp.async.wait_all;\n" ::); }

__device__ __forceinline__ void ldmatrix_x4(uint32_t* r, const void* p) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(smem_addr(p)));
}

// Epilogue for one output element.
__device__ __forceinline__ void store_out(float* y, i64 ldy, const float* bias, const float* res, i64 ldr,
                                          i64 M, i64 N, int act, i64 r, i64 c, float v) {
    if (r < M && c < N) {
        if (bias) v += bias[c];
        v = activate(v, act);
        if (res) v += res[r * ldr + c];
        y[r * ldy + c] = v;
    }
}

constexpr int BK = 32;       // k-tile
constexpr int SROW = BK + 8; // shared row in halves: 80 bytes, so ldmatrix rows fall in distinct banks

// BM×BN block tile, WARPS_M×WARPS_N warps. VEC: x rows may be read as float4 (ldx, K and x's address
// multiples of 4 floats / 16 bytes).
template <typename T, int BM, int BN, int WARPS_M, int WARPS_N, bool VEC>
__device__ __forceinline__ void gemm_tc(float* y, i64 ldy, const float* __restrict__ x, i64 ldx,
                                        const T* __restrict__ w, i64 ldw, const float* __restrict__ bias,
                                        const float* res, i64 ldr, i64 M, i64 N, i64 K, int act) {
    constexpr int THREADS = WARPS_M * WARPS_N * 32;
    constexpr int WM = BM / WARPS_M, WN = BN / WARPS_N; // warp tile
    constexpr int MI = WM / 16, NI = WN / 8;            // mma tiles per warp
    static_assert(NI % 2 == 0, "B fragments are loaded two n8 tiles at a time");
    constexpr int A_F4 = BM * BK / 4 / THREADS; // float4 of A per thread per stage
    constexpr int B_CH = BN * BK / 8 / THREADS; // 16-byte chunks of W per thread per stage
    static_assert(A_F4 * THREADS * 4 == BM * BK && B_CH * THREADS * 8 == BN * BK, "tile/threads mismatch");

    __shared__ __align__(128) T As[2][BM][SROW];
    __shared__ __align__(128) T Bs[2][BN][SROW];

    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    const int wm = warp / WARPS_N, wn = warp % WARPS_N;
    const i64 m0 = (i64)blockIdx.y * BM, n0 = (i64)blockIdx.x * BN;
    const int KT = (int)((K + BK - 1) / BK);

    float acc[MI][NI][4];
#pragma unroll
    for (int i = 0; i < MI; i++)
#pragma unroll
        for (int j = 0; j < NI; j++)
#pragma unroll
            for (int e = 0; e < 4; e++) acc[i][j][e] = 0.f;

    float4 areg[A_F4];
    auto load_a = [&](int kt) {
#pragma unroll
        for (int i = 0; i < A_F4; i++) {
            int idx = tid + i * THREADS;
            int row = idx / (BK / 4), c4 = idx % (BK / 4);
            i64 gr = m0 + row, gk = (i64)kt * BK + c4 * 4;
            float4 v = make_float4(0.f, 0.f, 0.f, 0.f);
            if (gr < M) {
                const float* p = x + gr * ldx + gk;
                if (VEC) {
                    if (gk < K) v = *reinterpret_cast<const float4*>(p);
                } else {
                    if (gk < K) v.x = p[0];
                    if (gk + 1 < K) v.y = p[1];
                    if (gk + 2 < K) v.z = p[2];
                    if (gk + 3 < K) v.w = p[3];
                }
            }
            areg[i] = v;
        }
    };
    auto store_a = [&](int s) {
#pragma unroll
        for (int i = 0; i < A_F4; i++) {
            int idx = tid + i * THREADS;
            int row = idx / (BK / 4), c4 = idx % (BK / 4);
            uint2 packed;
            packed.x = mma_type<T>::pack(areg[i].x, areg[i].y);
            packed.y = mma_type<T>::pack(areg[i].z, areg[i].w);
            *reinterpret_cast<uint2*>(&As[s][row][c4 * 4]) = packed;
        }
    };
    auto load_b = [&](int s, int kt) {
#pragma unroll
        for (int i = 0; i < B_CH; i++) {
            int idx = tid + i * THREADS;
            int row = idx / (BK / 8), c8 = idx % (BK / 8);
            cp_async16(&Bs[s][row][c8 * 8], w + (n0 + row) * ldw + (i64)kt * BK + c8 * 8);
        }
        cp_async_commit();
    };

    load_a(0);
    load_b(0, 0);
    store_a(0);
    cp_async_wait_all();
    __syncthreads();

    for (int kt = 0; kt < KT; kt++) {
        const int cur = kt & 1;
        const bool more = kt + 1 < KT;
        if (more) {
            load_a(kt + 1);
            load_b(cur ^ 1, kt + 1);
        }
#pragma unroll
        for (int kk = 0; kk < BK; kk += 16) {
            uint32_t af[MI][4], bf[NI][2];
#pragma unroll
            for (int i = 0; i < MI; i++) {
                int r = wm * WM + i * 16 + (lane & 15);
                int c = kk + (lane >> 4) * 8;
                ldmatrix_x4(af[i], &As[cur][r][c]);
            }
#pragma unroll
            for (int j = 0; j < NI; j += 2) {
                int r = wn * WN + j * 8 + (lane & 7) + ((lane >> 4) << 3);
                int c = kk + ((lane >> 3) & 1) * 8;
                uint32_t t[4];
                ldmatrix_x4(t, &Bs[cur][r][c]);
                bf[j][0] = t[0];
                bf[j][1] = t[1];
                bf[j + 1][0] = t[2];
                bf[j + 1][1] = t[3];
            }
#pragma unroll
            for (int i = 0; i < MI; i++)
#pragma unroll
                for (int j = 0; j < NI; j++) mma_type<T>::mma(acc[i][j], af[i], bf[j]);
        }
        if (more) store_a(cur ^ 1);
        cp_async_wait_all();
        __syncthreads();
    }

#pragma unroll
    for (int i = 0; i < MI; i++) {
#pragma unroll
        for (int j = 0; j < NI; j++) {
            i64 r = m0 + wm * WM + i * 16 + (lane >> 2);
            i64 c = n0 + wn * WN + j * 8 + (lane & 3) * 2;
            store_out(y, ldy, bias, res, ldr, M, N, act, r, c, acc[i][j][0]);
            store_out(y, ldy, bias, res, ldr, M, N, act, r, c + 1, acc[i][j][1]);
            store_out(y, ldy, bias, res, ldr, M, N, act, r + 8, c, acc[i][j][2]);
            store_out(y, ldy, bias, res, ldr, M, N, act, r + 8, c + 1, acc[i][j][3]);
        }
    }
}

// fp32 SIMT: 64×64 tile, k-tile 16, 256 threads of 4×4 outputs each.
__device__ __forceinline__ void gemm_f32_body(float* y, i64 ldy, const float* __restrict__ x, i64 ldx,
                                              const float* __restrict__ w, i64 ldw, const float* __restrict__ bias,
                                              const float* res, i64 ldr, i64 M, i64 N, i64 K, int act) {
    constexpr int TM = 64, TN = 64, TK = 16;
    __shared__ __align__(16) float As[TK][TM + 4];
    __shared__ __align__(16) float Bs[TK][TN + 4];
    const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
    const i64 m0 = (i64)blockIdx.y * TM, n0 = (i64)blockIdx.x * TN;
    float acc[4][4] = {};
    for (i64 k0 = 0; k0 < K; k0 += TK) {
#pragma unroll
        for (int i = 0; i < 4; i++) {
            int idx = tid + i * 256; // 0..1023 over a 64×16 tile
            int r = idx / TK, c = idx % TK;
            i64 gr = m0 + r, gk = k0 + c;
            As[c][r] = (gr < M && gk < K) ? x[gr * ldx + gk] : 0.f;
            Bs[c][r] = w[(n0 + r) * ldw + gk]; // padded: always in bounds
        }
        __syncthreads();
#pragma unroll
        for (int k = 0; k < TK; k++) {
            float4 a = *reinterpret_cast<const float4*>(&As[k][ty * 4]);
            float4 b = *reinterpret_cast<const float4*>(&Bs[k][tx * 4]);
            float av[4] = {a.x, a.y, a.z, a.w}, bv[4] = {b.x, b.y, b.z, b.w};
#pragma unroll
            for (int i = 0; i < 4; i++)
#pragma unroll
                for (int j = 0; j < 4; j++) acc[i][j] = fmaf(av[i], bv[j], acc[i][j]);
        }
        __syncthreads();
    }
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++)
            store_out(y, ldy, bias, res, ldr, M, N, act, m0 + ty * 4 + i, n0 + tx * 4 + j, acc[i][j]);
}

} // namespace

#define GEMM_PARAMS                                                                                         \
    float *y, i64 ldy, const float *x, i64 ldx, const void *w, i64 ldw, const float *bias, const float *res, \
        i64 ldr, i64 M, i64 N, i64 K, i64 act
#define GEMM_ARGS y, ldy, x, ldx, (const T*)w, ldw, bias, res, ldr, M, N, K, (int)act

// Kernel names: gemm_<dtype>_<BM>x<BN>_<v|s> (v: float4 loads of x). The Go side picks the tile by the
// number of blocks it gives (cuda/gemm.go).
#define GEMM_TC(NAME, TYPE, BM, BN, WMS, WNS, VEC)                                                        \
    extern "C" __global__ void __launch_bounds__(WMS * WNS * 32) NAME(GEMM_PARAMS) {                      \
        typedef TYPE T;                                                                                   \
        gemm_tc<T, BM, BN, WMS, WNS, VEC>(GEMM_ARGS);                                                     \
    }

GEMM_TC(gemm_bf16_128x128_v, __nv_bfloat16, 128, 128, 2, 4, true)
GEMM_TC(gemm_bf16_128x128_s, __nv_bfloat16, 128, 128, 2, 4, false)
GEMM_TC(gemm_bf16_64x128_v, __nv_bfloat16, 64, 128, 2, 2, true)
GEMM_TC(gemm_bf16_64x128_s, __nv_bfloat16, 64, 128, 2, 2, false)
GEMM_TC(gemm_bf16_64x64_v, __nv_bfloat16, 64, 64, 2, 2, true)
GEMM_TC(gemm_bf16_64x64_s, __nv_bfloat16, 64, 64, 2, 2, false)
GEMM_TC(gemm_fp16_128x128_v, __half, 128, 128, 2, 4, true)
GEMM_TC(gemm_fp16_128x128_s, __half, 128, 128, 2, 4, false)
GEMM_TC(gemm_fp16_64x128_v, __half, 64, 128, 2, 2, true)
GEMM_TC(gemm_fp16_64x128_s, __half, 64, 128, 2, 2, false)
GEMM_TC(gemm_fp16_64x64_v, __half, 64, 64, 2, 2, true)
GEMM_TC(gemm_fp16_64x64_s, __half, 64, 64, 2, 2, false)

extern "C" __global__ void __launch_bounds__(256) gemm_f32_64x64(GEMM_PARAMS) {
    gemm_f32_body(y, ldy, x, ldx, (const float*)w, ldw, bias, res, ldr, M, N, K, (int)act);
}
