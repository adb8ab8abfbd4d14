/*
 * DEPTHWISE_CONV_2D, float32 — TFLM reference_ops::DepthwiseConv: per output channel a float
 * total over (ky, kx) in order, skipping taps outside the input, then + bias and the clamp.
 * Compile with -ffp-contract=off (see tp_kernels.h).
 */
#include "tp_kernel_util.h"
#include "tp_kernels.h"

tp_status tp_depthwise_conv_2d_f32(const tp_dwconv_f32_params *params, const float *input,
                                   const float *filter, const float *bias, float *output) {
    TP_CHECK(params && input && filter && output, TP_ERR_NULL);
    TP_CHECK(tp_dims4_ok(&params->input) && tp_dims4_ok(&params->filter) &&
                 tp_dims4_ok(&params->output),
             TP_ERR_SHAPE);
    TP_CHECK(params->depth_multiplier >= 1, TP_ERR_PARAM);
    TP_CHECK(params->output.n == params->input.n && params->filter.n == 1 &&
                 params->filter.c == params->output.c &&
                 params->output.c == params->input.c * params->depth_multiplier,
             TP_ERR_SHAPE);
    TP_CHECK(params->stride_h >= 1 && params->stride_w >= 1 && params->dilation_h >= 1 &&
                 params->dilation_w >= 1 && params->pad_h >= 0 && params->pad_w >= 0,
             TP_ERR_PARAM);
    TP_CHECK(!(params->activation_max < params->activation_min), TP_ERR_PARAM);
    {
        const int32_t in_h = params->input.h, in_w = params->input.w, in_c = params->input.c;
        const int32_t k_h = params->filter.h, k_w = params->filter.w;
        const int32_t out_h = params->output.h, out_w = params->output.w;
        const int32_t out_c = params->output.c;
        const int32_t mult = params->depth_multiplier;
        int32_t b, oy, ox, ic, m, ky, kx;
        for (b = 0; b < params->input.n; ++b) {
            const float *in_b = input + (size_t)b * (size_t)in_h * (size_t)in_w * (size_t)in_c;
            for (oy = 0; oy < out_h; ++oy) {
                const int32_t y0 = oy * params->stride_h - params->pad_h;
                for (ox = 0; ox < out_w; ++ox) {
                    const int32_t x0 = ox * params->stride_w - params->pad_w;
                    float *out = output + (((size_t)b * (size_t)out_h + (size_t)oy) * (size_t)out_w +
                                           (size_t)ox) * (size_t)out_c;
                    for (ic = 0; ic < in_c; ++ic) {
                        for (m = 0; m < mult; ++m) {
                            const int32_t oc = ic * mult + m;
                            float total = 0.0f;
                            float bias_value = 0.0f;
                            for (ky = 0; ky < k_h; ++ky) {
                                const int32_t y = y0 + params->dilation_h * ky;
                                if (y < 0 || y >= in_h) continue;
                                for (kx = 0; kx < k_w; ++kx) {
                                    const int32_t x = x0 + params->dilation_w * kx;
                                    if (x < 0 || x >= in_w) continue;
                                    total += in_b[((size_t)y * (size_t)in_w + (size_t)x) * (size_t)in_c + (size_t)ic] *
                                             filter[((size_t)ky * (size_t)k_w + (size_t)kx) * (size_t)out_c + (size_t)oc];
                                }
                            }
                            if (bias) bias_value = bias[oc];
                            out[oc] = tp_clamp_f32(total + bias_value, params->activation_min,
                                                   params->activation_max);
                        }
                    }
                }
            }
        }
    }
    return TP_OK;
}
