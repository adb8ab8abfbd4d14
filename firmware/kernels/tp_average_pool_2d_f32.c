/*
 * AVERAGE_POOL_2D, float32 — TFLM reference_ops::AveragePool: a float total over the window
 * clipped to the input (row by row), divided by the float element count, then clamped.
 */
#include "tp_fixedpoint.h"
#include "tp_kernel_util.h"
#include "tp_kernels.h"

tp_status tp_average_pool_2d_f32(const tp_pool_f32_params *params, const float *input,
                                 float *output) {
    TP_CHECK(params && input && output, TP_ERR_NULL);
    TP_CHECK(tp_pool_shape_ok(&params->input, &params->output, params->filter_h,
                              params->filter_w, params->stride_h, params->stride_w,
                              params->pad_h, params->pad_w),
             TP_ERR_SHAPE);
    TP_CHECK(!(params->activation_max < params->activation_min), TP_ERR_PARAM);
    {
        const int32_t in_h = params->input.h, in_w = params->input.w, depth = params->input.c;
        int32_t b, oy, ox, c, fy, fx;
        float *out = output;
        for (b = 0; b < params->input.n; ++b) {
            const float *in_b = input + (size_t)b * (size_t)in_h * (size_t)in_w * (size_t)depth;
            for (oy = 0; oy < params->output.h; ++oy) {
                const int32_t y0 = oy * params->stride_h - params->pad_h;
                const int32_t fy_start = y0 < 0 ? -y0 : 0;
                const int32_t fy_end = tp_min_i32(params->filter_h, in_h - y0);
                for (ox = 0; ox < params->output.w; ++ox) {
                    const int32_t x0 = ox * params->stride_w - params->pad_w;
                    const int32_t fx_start = x0 < 0 ? -x0 : 0;
                    const int32_t fx_end = tp_min_i32(params->filter_w, in_w - x0);
                    for (c = 0; c < depth; ++c) {
                        /* TFLM counts in a float, one increment per element. */
                        float total = 0.0f;
                        float count = 0.0f;
                        for (fy = fy_start; fy < fy_end; ++fy) {
                            const float *row = in_b + ((size_t)(y0 + fy) * (size_t)in_w) * (size_t)depth;
                            for (fx = fx_start; fx < fx_end; ++fx) {
                                total += row[(size_t)(x0 + fx) * (size_t)depth + (size_t)c];
                                count += 1.0f;
                            }
                        }
                        if (count == 0.0f) return TP_ERR_EMPTY_WINDOW;
                        *out++ = tp_clamp_f32(total / count, params->activation_min,
                                              params->activation_max);
                    }
                }
            }
        }
    }
    return TP_OK;
}
