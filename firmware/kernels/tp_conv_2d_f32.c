/*
 * CONV_2D, float32 — TFLM reference_ops::Conv: per output, a float total over (ky, kx, ci)
 * in that order, skipping taps outside the input, then + bias and the activation clamp.
 * Compile with -ffp-contract=off (see tp_kernels.h).
 */
#include "tp_kernel_util.h"
#include "tp_kernels.h"

tp_status tp_conv_2d_f32(const tp_conv_f32_params *params, const float *input,
                         const float *filter, const float *bias, float *output) {
    TP_CHECK(params && input && filter && output, TP_ERR_NULL);
    TP_CHECK(tp_dims4_ok(&params->input) && tp_dims4_ok(&params->filter) &&
                 tp_dims4_ok(&params->output),
             TP_ERR_SHAPE);
    TP_CHECK(params->output.n == params->input.n && params->filter.n == params->output.c,
             TP_ERR_SHAPE);
    TP_CHECK(params->input.c % params->filter.c == 0, TP_ERR_SHAPE);
    TP_CHECK(params->output.c % (params->input.c / params->filter.c) == 0, TP_ERR_SHAPE);
    TP_CHECK(params->stride_h >= 1 && params->stride_w >= 1 && params->dilation_h >= 1 &&
                 params->dilation_w >= 1 && params->pad_h >= 0 && params->pad_w >= 0,
             TP_ERR_PARAM);
    TP_CHECK(!(params->activation_max < params->activation_min), TP_ERR_PARAM);
    {
        const int32_t in_h = params->input.h, in_w = params->input.w, in_c = params->input.c;
        const int32_t k_h = params->filter.h, k_w = params->filter.w, k_c = params->filter.c;
        const int32_t out_h = params->output.h, out_w = params->output.w;
        const int32_t out_c = params->output.c;
        const int32_t filters_per_group = out_c / (in_c / k_c);
        const size_t in_row = (size_t)in_w * (size_t)in_c;
        const size_t in_tap = (size_t)params->dilation_w * (size_t)in_c; /* next kx */
        const size_t filter_stride = (size_t)k_h * (size_t)k_w * (size_t)k_c; /* per oc */
        int32_t b, oy, ox, oc, ky, kx, ic;
        float *out = output;
        for (b = 0; b < params->input.n; ++b) {
            const float *in_b = input + (size_t)b * (size_t)in_h * in_row;
            for (oy = 0; oy < out_h; ++oy) {
                const int32_t y0 = oy * params->stride_h - params->pad_h;
                int32_t ky0, ky1;
                tp_tap_range(y0, params->dilation_h, k_h, in_h, &ky0, &ky1);
                for (ox = 0; ox < out_w; ++ox) {
                    const int32_t x0 = ox * params->stride_w - params->pad_w;
                    int32_t kx0, kx1;
                    tp_tap_range(x0, params->dilation_w, k_w, in_w, &kx0, &kx1);
                    for (oc = 0; oc < out_c; ++oc) {
                        const int32_t group = oc / filters_per_group;
                        const float *w_oc = filter + (size_t)oc * filter_stride;
                        float total = 0.0f;
                        float bias_value = 0.0f;
                        /* In-bounds taps only, in the reference's (ky, kx, ci) order. */
                        for (ky = ky0; ky < ky1; ++ky) {
                            const float *px = in_b + (size_t)(y0 + params->dilation_h * ky) * in_row +
                                              (size_t)(x0 + params->dilation_w * kx0) * (size_t)in_c +
                                              (size_t)group * (size_t)k_c;
                            const float *pw = w_oc + ((size_t)ky * (size_t)k_w + (size_t)kx0) * (size_t)k_c;
                            for (kx = kx0; kx < kx1; ++kx) {
                                for (ic = 0; ic < k_c; ++ic) {
                                    total += px[ic] * pw[ic];
                                }
                                px += in_tap;
                                pw += k_c;
                            }
                        }
                        if (bias) bias_value = bias[oc];
                        *out++ = tp_clamp_f32(total + bias_value, params->activation_min,
                                              params->activation_max);
                    }
                }
            }
        }
    }
    return TP_OK;
}
