/*
 * CONV_2D, int8 — plain C reference.
 * Bit-exact with TFLM reference_integer_ops::ConvPerChannel, grouped convolution included:
 * for each output pixel and channel, sum filter * (input + input_offset) over the taps that
 * fall inside the input (padding taps are skipped), add the bias, requantise per channel,
 * add the output zero point and clamp. The in-bounds tap range is found once per output pixel
 * (tp_tap_range) instead of testing each tap; the taps and their order are the reference's.
 */
#include "tp_fixedpoint.h"
#include "tp_kernel_checks.h"
#include "tp_kernels.h"

int32_t tp_conv_2d_s8_get_scratch_size(const tp_conv_s8_params *params) {
    (void)params;
    return 0;
}

tp_status tp_conv_2d_s8(const tp_conv_s8_params *params, const int8_t *input,
                        const int8_t *filter, const int32_t *bias, int8_t *output,
                        void *scratch) {
    const tp_status st = tp_conv_s8_check(params, input, filter, output);
    (void)scratch;
    if (st != TP_OK) return st;
    TP_CHECK(!params->pw_pairs, TP_ERR_PARAM); /* packed filters are the dsp kernel's */
    {
        const int32_t in_h = params->input.h, in_w = params->input.w, in_c = params->input.c;
        const int32_t k_h = params->filter.h, k_w = params->filter.w, k_c = params->filter.c;
        const int32_t out_h = params->output.h, out_w = params->output.w;
        const int32_t out_c = params->output.c;
        const int32_t filters_per_group = out_c / (in_c / k_c);
        const int32_t in_off = params->input_offset;
        const size_t in_row = (size_t)in_w * (size_t)in_c;
        const size_t in_tap = (size_t)params->dilation_w * (size_t)in_c; /* next kx */
        const size_t filter_stride = (size_t)k_h * (size_t)k_w * (size_t)k_c; /* per oc */
        int32_t b, oy, ox, oc, ky, kx;
        int8_t *out = output;
        for (b = 0; b < params->input.n; ++b) {
            const int8_t *in_b = input + (size_t)b * (size_t)in_h * in_row;
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
                        const int8_t *w_oc = filter + (size_t)oc * filter_stride;
                        int32_t acc = 0;
                        /* Taps outside the input are skipped, as in the reference. */
                        for (ky = ky0; ky < ky1; ++ky) {
                            const int8_t *px = in_b + (size_t)(y0 + params->dilation_h * ky) * in_row +
                                               (size_t)(x0 + params->dilation_w * kx0) * (size_t)in_c +
                                               (size_t)group * (size_t)k_c;
                            const int8_t *pw = w_oc + ((size_t)ky * (size_t)k_w + (size_t)kx0) * (size_t)k_c;
                            for (kx = kx0; kx < kx1; ++kx) {
                                const int8_t *x = px;
                                const int8_t *const x_end = px + k_c;
                                while (x != x_end) {
                                    acc += (int32_t)*pw++ * ((int32_t)*x++ + in_off);
                                }
                                px += in_tap;
                            }
                        }
                        if (bias) acc += bias[oc];
                        acc = tp_mbqm(acc, params->output_multiplier[oc], params->output_shift[oc]);
                        acc += params->output_offset;
                        *out++ = (int8_t)tp_clamp_i32(acc, params->activation_min,
                                                      params->activation_max);
                    }
                }
            }
        }
    }
    return TP_OK;
}
