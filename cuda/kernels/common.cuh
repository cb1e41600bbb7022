// Shared helpers of the xclip kernels. Every kernel parameter is 8 bytes wide (pointers, long long,
// double) because gorgonia.org/cu's Function.Launch copies 8 bytes per argument.
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <stdint.h>

typedef long long i64;

// Activation ids: the values of model.Activation (ActNone, ActQuickGELU, ActGELU, ActGELUTanh, ActReLU).
enum { ACT_NONE = 0, ACT_QUICK_GELU = 1, ACT_GELU = 2, ACT_GELU_TANH = 3, ACT_RELU = 4 };

__device__ __forceinline__ float activate(float x, int act) {
    switch (act) {
    case ACT_QUICK_GELU: // CLIP's x·σ(1.702x)
        return x / (1.0f + expf(-1.702f * x));
    case ACT_GELU: // exact erf form
        return 0.5f * x * (1.0f + erff(x * 0.70710678118654752440f));
    case ACT_GELU_TANH: {
        float u = 0.79788456080286535588f * (x + 0.044715f * x * x * x);
        return 0.5f * x * (1.0f + tanhf(u));
    }
    case ACT_RELU:
        return fmaxf(x, 0.0f);
    }
    return x;
}

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ double warp_sum_d(double v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}
