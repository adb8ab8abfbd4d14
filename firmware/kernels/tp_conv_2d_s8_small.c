/*
 * CONV_2D, int8, small filter patches — plain C reference (issues #13, #14).
 * The operation of tp_conv_2d_s8 (TFLM reference_integer_ops::ConvPerChannel, no groups) on
 * the constants of tp_conv_2d_s8_small (doubled weights in int16 pairs and the doubled bias,
 * see tp_kernels.h), so that a model generated once runs on every core: taps outside the input
 * are skipped, the bias added, the sum halved (exact), tp_mbqm, the output offset, the clamp.
 * The dsp/ file of the same name is the fast one.
 */
#include "tp_fixedpoint.h"
#include "tp_kernel_checks.h"
#include "tp_kernels.h"

/* Doubled weight of tap k of output channel oc in the pair layout. */
static int32_t weight_at(const uint32_t *filter, int32_t out_c, int32_t np, int32_t oc, int32_t k) {
    const int32_t pair = 2 * (k >> 2) + (k & 1);
    const int32_t blocks = out_c / 4;
    const size_t word = oc < 4 * blocks ? ((size_t)(oc >> 2) * (size_t)np + (size_t)pair) * 4u + (size_t)(oc & 3)
                                        : (size_t)blocks * (size_t)np * 4u + (size_t)(oc - 4 * blocks) * (size_t)np + (size_t)pair;
    const uint32_t w = filter[word];
    return (int16_t)(uint16_t)((k & 2) ? (w >> 16) : (w & 0xFFFFu));
}

int32_t tp_conv_2d_s8_small_get_scratch_size(const tp_conv_s8_params *params) {
    (void)params;
    return 0;
}

tp_status tp_conv_2d_s8_small(const tp_conv_s8_params *params, const int8_t *input,
                              const uint32_t *filter, const tp_conv_small_requant *requant,
                              int8_t *output, void *scratch) {
    const tp_status st = tp_conv_s8_check(params, input, filter, output);
    if (st == TP_OK && !requant) return TP_ERR_NULL;
    (void)scratch;
    if (st != TP_OK) return st;
    {
        const int32_t in_h = params->input.h, in_w = params->input.w, in_c = params->input.c;
        const int32_t k_h = params->filter.h, k_w = params->filter.w;
        const int32_t out_c = params->output.c;
        const int32_t n = k_h * k_w * in_c;
        const int32_t np = tp_conv_small_pairs(n);
        const int32_t in_off = params->input_offset;
        int32_t b, oy, ox, oc, ky, kx, ci;
        int8_t *out = output;
        if (params->filter.c != in_c || n > TP_CONV_SMALL_MAX_PATCH) return TP_ERR_PARAM;
        /* The dsp/ variant's contract (its requantisation shortcut), kept here alike. */
        for (oc = 0; oc < out_c; ++oc)
            if (params->output_shift[oc] > -1) return TP_ERR_PARAM;
        for (b = 0; b < params->input.n; ++b) {
            const int8_t *in_b = input + (size_t)b * (size_t)in_h * (size_t)in_w * (size_t)in_c;
            for (oy = 0; oy < params->output.h; ++oy) {
                const int32_t y0 = oy * params->stride_h - params->pad_h;
                int32_t ky0, ky1;
                tp_tap_range(y0, params->dilation_h, k_h, in_h, &ky0, &ky1);
                for (ox = 0; ox < params->output.w; ++ox) {
                    const int32_t x0 = ox * params->stride_w - params->pad_w;
                    int32_t kx0, kx1;
                    tp_tap_range(x0, params->dilation_w, k_w, in_w, &kx0, &kx1);
                    for (oc = 0; oc < out_c; ++oc) {
                        int32_t acc = 0;
                        for (ky = ky0; ky < ky1; ++ky) {
                            const int8_t *row = in_b + (size_t)(y0 + params->dilation_h * ky) * (size_t)in_w * (size_t)in_c;
                            for (kx = kx0; kx < kx1; ++kx) {
                                const int8_t *px = row + (size_t)(x0 + params->dilation_w * kx) * (size_t)in_c;
                                for (ci = 0; ci < in_c; ++ci) {
                                    const int32_t k = (ky * k_w + kx) * in_c + ci;
                                    acc += weight_at(filter, out_c, np, oc, k) * ((int32_t)px[ci] + in_off);
                                }
                            }
                        }
                        acc = (acc + requant[oc].bias2) / 2;
                        acc = tp_mbqm(acc, params->output_multiplier[oc], params->output_shift[oc]);
                        acc += params->output_offset;
                        *out++ = (int8_t)tp_clamp_i32(acc, params->activation_min, params->activation_max);
                    }
                }
            }
        }
    }
    return TP_OK;
}
