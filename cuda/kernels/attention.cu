// Attention for short sequences, one kernel: out = softmax(scale·Q·Kᵀ + mask)·V per (sequence, head),
// in fp32 throughout (model.Backend.Attention). A block takes QB queries of one (sequence, head): it
// stages its queries in shared memory, computes their scores against every key (keys come through
// shared memory 32 at a time) into a QB×Lk score matrix in shared memory, takes each row's softmax
// (max, exp, sum, then multiply by 1/sum, as the CPU backend does), and multiplies by V, again 32 keys
// at a time. A row whose keys are all masked is zero.
//
// Grid: (ceil(Lq/QB), heads, seqs); 128 threads. Dynamic shared memory (floats):
//   QB·LkPad (scores) + QB·(hd+1) (queries) + 32·(hd+1) (a tile of K or V), LkPad = Lk rounded up to 32.
// The host (cuda/attention.go) picks QB, a multiple of 4 with QB·hd <= 128·ATT_EPT, to fit 48 KB.
#include "common.cuh"

#define ATT_THREADS 128
#define ATT_EPT 32 // output elements per thread in the P·V pass

extern "C" __global__ void __launch_bounds__(ATT_THREADS)
attention_f32(float* out, i64 ldo, const float* q, i64 ldq, const float* k, i64 ldk, const float* v, i64 ldv,
              i64 Lq, i64 Lk, i64 hd, double scale_d, i64 causal, const int* key_mask, i64 QB) {
    extern __shared__ float smem[];
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    const int LkPad = (int)((Lk + 31) / 32 * 32);
    const int HD = (int)hd, HP = HD + 1;
    const int qb = (int)QB;
    float* S = smem;              // [QB][LkPad]
    float* Qs = S + qb * LkPad;   // [QB][HP]
    float* T = Qs + qb * HP;      // [32][HP]: a tile of K, then of V
    const float scale = (float)scale_d;

    const i64 s = blockIdx.z, h = blockIdx.y;
    const i64 q0 = (i64)blockIdx.x * qb;
    const int nq = (int)min((i64)qb, Lq - q0);
    const i64 col = h * hd;
    const int* mask = key_mask ? key_mask + s * Lk : nullptr;

    // Queries of this block.
    for (int idx = tid; idx < qb * HD; idx += ATT_THREADS) {
        int r = idx / HD, d = idx % HD;
        Qs[r * HP + d] = r < nq ? q[(s * Lq + q0 + r) * ldq + col + d] : 0.f;
    }

    // Scores, 32 keys at a time: thread (warp, lane) takes key j0+lane for queries warp, warp+4, ...
    for (int j0 = 0; j0 < Lk; j0 += 32) {
        __syncthreads(); // Qs written / previous tile consumed
        for (int idx = tid; idx < 32 * HD; idx += ATT_THREADS) {
            int r = idx / HD, d = idx % HD;
            i64 j = j0 + r;
            T[r * HP + d] = j < Lk ? k[(s * Lk + j) * ldk + col + d] : 0.f;
        }
        __syncthreads();
        const int j = j0 + lane;
        for (int r = warp; r < nq; r += 4) {
            float dot = 0.f;
            const float* qr = Qs + r * HP;
            const float* kr = T + lane * HP;
            for (int d = 0; d < HD; d++) dot = fmaf(qr[d], kr[d], dot);
            const i64 qi = q0 + r;
            bool masked = j >= Lk || (causal && j > qi) || (mask && mask[j] == 0);
            S[r * LkPad + j] = masked ? -INFINITY : dot * scale;
        }
    }
    __syncthreads();

    // Softmax per row (one warp per row).
    for (int r = warp; r < nq; r += 4) {
        float* row = S + r * LkPad;
        float m = -INFINITY;
        for (int j = lane; j < Lk; j += 32) m = fmaxf(m, row[j]);
        m = warp_max(m);
        float sum = 0.f;
        for (int j = lane; j < Lk; j += 32) {
            float e = row[j] == -INFINITY ? 0.f : expf(row[j] - m);
            row[j] = e;
            sum += e;
        }
        sum = warp_sum(sum);
        float inv = sum > 0.f ? 1.f / sum : 0.f; // every key masked: the row stays zero
        for (int j = lane; j < Lk; j += 32) row[j] *= inv;
    }

    // out = P·V: thread owns elements idx = tid + e·128 of the nq×hd block.
    float acc[ATT_EPT];
#pragma unroll
    for (int e = 0; e < ATT_EPT; e++) acc[e] = 0.f;
    for (int j0 = 0; j0 < Lk; j0 += 32) {
        __syncthreads(); // softmax done / previous tile consumed
        for (int idx = tid; idx < 32 * HD; idx += ATT_THREADS) {
            int r = idx / HD, d = idx % HD;
            i64 j = j0 + r;
            T[r * HP + d] = j < Lk ? v[(s * Lk + j) * ldv + col + d] : 0.f;
        }
        __syncthreads();
        const int jn = (int)min((i64)32, Lk - j0);
#pragma unroll
        for (int e = 0; e < ATT_EPT; e++) {
            int idx = tid + e * ATT_THREADS;
            if (idx < nq * HD) {
                int r = idx / HD, d = idx % HD;
                const float* pr = S + r * LkPad + j0;
                float a = acc[e];
                for (int jj = 0; jj < jn; jj++) a = fmaf(pr[jj], T[jj * HP + d], a);
                acc[e] = a;
            }
        }
    }
#pragma unroll
    for (int e = 0; e < ATT_EPT; e++) {
        int idx = tid + e * ATT_THREADS;
        if (idx < nq * HD) {
            int r = idx / HD, d = idx % HD;
            out[(s * Lq + q0 + r) * ldo + col + d] = acc[e];
        }
    }
}
