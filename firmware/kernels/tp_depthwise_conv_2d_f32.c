/*
 * DEPTHWISE_CONV_2D, float32 — TFLM reference_ops::DepthwiseConv: per output channel a float
 * total over (ky, kx) in order, skipping taps outside the input, then + bias and the clamp.
 * Compile with -ffp-contract=off (see tp_kernels.h).
 */
#include "tp_kernel_util.h"
#include "tp_kernels.h"

TP_NO_IPA tp_status tp_depthwise_conv_2d_f32(const tp_dwconv_f32_params *params, const float *input,
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
        const size_t in_row = (size_t)in_w * (size_t)in_c;
        const size_t in_tap = (size_t)params->dilation_w * (size_t)in_c; /* next kx */
        const size_t w_row = (size_t)k_w * (size_t)out_c;
        int32_t b, oy, ox, ic, m, ky, kx;
        for (b = 0; b < params->input.n; ++b) {
            const float *in_b = input + (size_t)b * (size_t)in_h * in_row;
            for (oy = 0; oy < out_h; ++oy) {
                const int32_t y0 = oy * params->stride_h - params->pad_h;
                int32_t ky0, ky1;
                tp_tap_range(y0, params->dilation_h, k_h, in_h, &ky0, &ky1);
                for (ox = 0; ox < out_w; ++ox) {
                    const int32_t x0 = ox * params->stride_w - params->pad_w;
                    float *out = output + (((size_t)b * (size_t)out_h + (size_t)oy) * (size_t)out_w +
                                           (size_t)ox) * (size_t)out_c;
                    int32_t kx0, kx1;
                    tp_tap_range(x0, params->dilation_w, k_w, in_w, &kx0, &kx1);
                    for (ic = 0; ic < in_c; ++ic) {
                        for (m = 0; m < mult; ++m) {
                            const int32_t oc = ic * mult + m;
                            float total = 0.0f;
                            float bias_value = 0.0f;
                            /* In-bounds taps only, in the reference's (ky, kx) order. */
                            for (ky = ky0; ky < ky1; ++ky) {
                                const float *px = in_b + (size_t)(y0 + params->dilation_h * ky) * in_row +
                                                  (size_t)(x0 + params->dilation_w * kx0) * (size_t)in_c + (size_t)ic;
                                const float *pw = filter + (size_t)ky * w_row + (size_t)kx0 * (size_t)out_c + (size_t)oc;
                                for (kx = kx0; kx < kx1; ++kx) {
                                    total += *px * *pw;
                                    px += in_tap;
                                    pw += out_c;
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
