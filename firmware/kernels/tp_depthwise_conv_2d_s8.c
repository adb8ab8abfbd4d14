/*
 * DEPTHWISE_CONV_2D, int8 — plain C reference.
 * Bit-exact with TFLM reference_integer_ops::DepthwiseConvPerChannel: output channel
 * o = ic * depth_multiplier + m sums filter[ky][kx][o] * (input[y][x][ic] + input_offset)
 * over the in-bounds taps, then bias, per-channel requantisation, zero point and clamp. The
 * in-bounds tap range is found once per output pixel (tp_tap_range), not tested per tap.
 */
#include "tp_fixedpoint.h"
#include "tp_kernel_checks.h"
#include "tp_kernels.h"

int32_t tp_depthwise_conv_2d_s8_get_scratch_size(const tp_dwconv_s8_params *params) {
    (void)params;
    return 0;
}

tp_status tp_depthwise_conv_2d_s8(const tp_dwconv_s8_params *params, const int8_t *input,
                                  const int8_t *filter, const int32_t *bias, int8_t *output,
                                  void *scratch) {
    const tp_status st = tp_dwconv_s8_check(params, input, filter, output);
    (void)scratch;
    if (st != TP_OK) return st;
    {
        const int32_t in_h = params->input.h, in_w = params->input.w, in_c = params->input.c;
        const int32_t k_h = params->filter.h, k_w = params->filter.w;
        const int32_t out_h = params->output.h, out_w = params->output.w;
        const int32_t out_c = params->output.c;
        const int32_t mult = params->depth_multiplier;
        const int32_t in_off = params->input_offset;
        const size_t in_row = (size_t)in_w * (size_t)in_c;
        const size_t in_tap = (size_t)params->dilation_w * (size_t)in_c; /* next kx */
        const size_t w_row = (size_t)k_w * (size_t)out_c;
        int32_t b, oy, ox, ic, m, ky, kx;
        for (b = 0; b < params->input.n; ++b) {
            const int8_t *in_b = input + (size_t)b * (size_t)in_h * in_row;
            for (oy = 0; oy < out_h; ++oy) {
                const int32_t y0 = oy * params->stride_h - params->pad_h;
                int32_t ky0, ky1;
                tp_tap_range(y0, params->dilation_h, k_h, in_h, &ky0, &ky1);
                for (ox = 0; ox < out_w; ++ox) {
                    const int32_t x0 = ox * params->stride_w - params->pad_w;
                    int8_t *out = output + (((size_t)b * (size_t)out_h + (size_t)oy) * (size_t)out_w +
                                            (size_t)ox) * (size_t)out_c;
                    int32_t kx0, kx1;
                    tp_tap_range(x0, params->dilation_w, k_w, in_w, &kx0, &kx1);
                    for (ic = 0; ic < in_c; ++ic) {
                        for (m = 0; m < mult; ++m) {
                            const int32_t oc = ic * mult + m;
                            int32_t acc = 0;
                            /* Taps outside the input are skipped, as in the reference. */
                            for (ky = ky0; ky < ky1; ++ky) {
                                const int8_t *px = in_b + (size_t)(y0 + params->dilation_h * ky) * in_row +
                                                   (size_t)(x0 + params->dilation_w * kx0) * (size_t)in_c + (size_t)ic;
                                const int8_t *pw = filter + (size_t)ky * w_row + (size_t)kx0 * (size_t)out_c + (size_t)oc;
                                for (kx = kx0; kx < kx1; ++kx) {
                                    acc += (int32_t)*pw * ((int32_t)*px + in_off);
                                    px += in_tap;
                                    pw += out_c;
                                }
                            }
                            if (bias) acc += bias[oc];
                            acc = tp_mbqm(acc, params->output_multiplier[oc], params->output_shift[oc]);
                            acc += params->output_offset;
                            out[oc] = (int8_t)tp_clamp_i32(acc, params->activation_min,
                                                           params->activation_max);
                        }
                    }
                }
            }
        }
    }
    return TP_OK;
}
