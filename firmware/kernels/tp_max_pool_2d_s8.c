/*
 * MAX_POOL_2D, int8 — TFLM reference_integer_ops::MaxPool: the largest value in the window
 * clipped to the input (starting from -128), then clamped to the activation range.
 */
#include "tp_fixedpoint.h"
#include "tp_kernel_checks.h"
#include "tp_kernels.h"

tp_status tp_max_pool_2d_s8(const tp_pool_s8_params *params, const int8_t *input,
                            int8_t *output) {
    const tp_status st = tp_pool_s8_check(params, input, output);
    if (st != TP_OK) return st;
    {
        const int32_t in_h = params->input.h, in_w = params->input.w, depth = params->input.c;
        int32_t b, oy, ox, c, fy, fx;
        int8_t *out = output;
        for (b = 0; b < params->input.n; ++b) {
            const int8_t *in_b = input + (size_t)b * (size_t)in_h * (size_t)in_w * (size_t)depth;
            for (oy = 0; oy < params->output.h; ++oy) {
                const int32_t y0 = oy * params->stride_h - params->pad_h;
                const int32_t fy_start = y0 < 0 ? -y0 : 0;
                const int32_t fy_end = tp_min_i32(params->filter_h, in_h - y0);
                for (ox = 0; ox < params->output.w; ++ox) {
                    const int32_t x0 = ox * params->stride_w - params->pad_w;
                    const int32_t fx_start = x0 < 0 ? -x0 : 0;
                    const int32_t fx_end = tp_min_i32(params->filter_w, in_w - x0);
                    for (c = 0; c < depth; ++c) {
                        int32_t max = -128;
                        for (fy = fy_start; fy < fy_end; ++fy) {
                            const int8_t *row = in_b + ((size_t)(y0 + fy) * (size_t)in_w) * (size_t)depth;
                            for (fx = fx_start; fx < fx_end; ++fx) {
                                const int32_t v = row[(size_t)(x0 + fx) * (size_t)depth + (size_t)c];
                                if (v > max) max = v;
                            }
                        }
                        *out++ = (int8_t)tp_clamp_i32(max, params->activation_min,
                                                      params->activation_max);
                    }
                }
            }
        }
    }
    return TP_OK;
}
