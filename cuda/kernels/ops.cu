// LayerNorm and the element-wise, row and reduction operations of model.Backend. Matrices are fp32
// row-major views (rows, cols, row stride ld). Reductions accumulate in double like the CPU backend.
#include "common.cuh"

// One warp per row: y = (x - mean)/sqrt(var + eps)·gamma + beta, mean and variance in double. y may be x.
extern "C" __global__ void __launch_bounds__(256)
layernorm_f32(float* y, i64 ldy, const float* x, i64 ldx, const float* gamma, const float* beta, i64 rows,
              i64 cols, double eps) {
    const i64 r = (i64)blockIdx.x * 8 + (threadIdx.x >> 5);
    const int lane = threadIdx.x & 31;
    if (r >= rows) return;
    const float* xr = x + r * ldx;
    double sum = 0;
    for (i64 c = lane; c < cols; c += 32) sum += (double)xr[c];
    const double mean = warp_sum_d(sum) / (double)cols;
    double var = 0;
    for (i64 c = lane; c < cols; c += 32) {
        double d = (double)xr[c] - mean;
        var += d * d;
    }
    var = warp_sum_d(var) / (double)cols;
    const double inv = 1.0 / sqrt(var + eps);
    float* yr = y + r * ldy;
    for (i64 c = lane; c < cols; c += 32) yr[c] = (float)(((double)xr[c] - mean) * inv) * gamma[c] + beta[c];
}

#define GRID_STRIDE(n) for (i64 i = (i64)blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (i64)gridDim.x * blockDim.x)

// y[r][c] = 0 over a packed range of n floats (Workspace.Alloc's zeroing).
extern "C" __global__ void zero_f32(float* y, i64 n) {
    GRID_STRIDE(n) y[i] = 0.f;
}

// y[r] += x[r mod xrows] (position embeddings repeat when x has fewer rows).
extern "C" __global__ void add_rows_f32(float* y, i64 ldy, const float* x, i64 ldx, i64 rows, i64 cols, i64 xrows) {
    GRID_STRIDE(rows * cols) {
        i64 r = i / cols, c = i % cols;
        y[r * ldy + c] += x[(r % xrows) * ldx + c];
    }
}

extern "C" __global__ void activate_f32(float* y, i64 ldy, i64 rows, i64 cols, i64 act) {
    GRID_STRIDE(rows * cols) {
        i64 r = i / cols, c = i % cols;
        y[r * ldy + c] = activate(y[r * ldy + c], (int)act);
    }
}

// y[r][c] *= s[c].
extern "C" __global__ void scale_cols_f32(float* y, i64 ldy, const float* s, i64 rows, i64 cols) {
    GRID_STRIDE(rows * cols) {
        i64 r = i / cols, c = i % cols;
        y[r * ldy + c] *= s[c];
    }
}

extern "C" __global__ void copy_f32(float* y, i64 ldy, const float* x, i64 ldx, i64 rows, i64 cols) {
    GRID_STRIDE(rows * cols) {
        i64 r = i / cols, c = i % cols;
        y[r * ldy + c] = x[r * ldx + c];
    }
}

// y[i] = x[idx[i]] for i < rows.
extern "C" __global__ void gather_f32(float* y, i64 ldy, const float* x, i64 ldx, const int* idx, i64 rows, i64 cols) {
    GRID_STRIDE(rows * cols) {
        i64 r = i / cols, c = i % cols;
        y[r * ldy + c] = x[(i64)idx[r] * ldx + c];
    }
}

// y[v·n + i] = mean over f < t of x[(v·t + f)·frameRows + i], accumulated in double.
extern "C" __global__ void mean_frames_f32(float* y, i64 ldy, const float* x, i64 ldx, i64 videos, i64 t, i64 n,
                                           i64 frameRows, i64 cols) {
    GRID_STRIDE(videos * n * cols) {
        i64 r = i / cols, c = i % cols;
        i64 v = r / n, row = r % n;
        double acc = 0;
        for (i64 f = 0; f < t; f++) acc += (double)x[((v * t + f) * frameRows + row) * ldx + c];
        y[r * ldy + c] = (float)(acc / (double)t);
    }
}

// Every row of y to unit L2 norm (one warp per row; sum of squares in double).
extern "C" __global__ void __launch_bounds__(256) normalize_f32(float* y, i64 ldy, i64 rows, i64 cols) {
    const i64 r = (i64)blockIdx.x * 8 + (threadIdx.x >> 5);
    const int lane = threadIdx.x & 31;
    if (r >= rows) return;
    float* yr = y + r * ldy;
    double s = 0;
    for (i64 c = lane; c < cols; c += 32) s += (double)yr[c] * (double)yr[c];
    const float inv = (float)(1.0 / sqrt(warp_sum_d(s)));
    for (i64 c = lane; c < cols; c += 32) yr[c] *= inv;
}

// y[v][j] = Σ_i a[v][i]·(scale·b[v·k + j][i]) in double, one warp per (v, j).
extern "C" __global__ void __launch_bounds__(256) row_dots_f32(float* y, i64 ldy, const float* a, i64 lda, const float* b,
                                                               i64 ldb, i64 videos, i64 k, i64 cols, double scale_d) {
    const i64 o = (i64)blockIdx.x * 8 + (threadIdx.x >> 5);
    const int lane = threadIdx.x & 31;
    if (o >= videos * k) return;
    const i64 v = o / k, j = o % k;
    const float scale = (float)scale_d;
    const float* av = a + v * lda;
    const float* bv = b + (v * k + j) * ldb;
    double dot = 0;
    for (i64 c = lane; c < cols; c += 32) dot += (double)av[c] * (double)(scale * bv[c]);
    dot = warp_sum_d(dot);
    if (lane == 0) y[v * ldy + j] = (float)dot;
}

// Patch rows for the patch-embedding GEMM: pixels [F, C, S, S] (packed) to cols [F·(np+2), C·P·P] in the
// conv weight's (c, ky, kx) order; per frame row 0 (CLS) and row np+1 (message slot) are zero.
extern "C" __global__ void patchify_f32(float* cols, i64 ldc, const float* pixels, i64 frames, i64 channels, i64 size,
                                        i64 patch) {
    const i64 g = size / patch, np = g * g, ls = np + 2, kk = channels * patch * patch;
    GRID_STRIDE(frames * ls * kk) {
        i64 row = i / kk, e = i % kk;
        i64 f = row / ls, pr = row % ls;
        float val = 0.f;
        if (pr >= 1 && pr <= np) {
            i64 pi = pr - 1, py = pi / g, px = pi % g;
            i64 c = e / (patch * patch), rem = e % (patch * patch), ky = rem / patch, kx = rem % patch;
            val = pixels[((f * channels + c) * size + py * patch + ky) * size + px * patch + kx];
        }
        cols[row * ldc + e] = val;
    }
}
