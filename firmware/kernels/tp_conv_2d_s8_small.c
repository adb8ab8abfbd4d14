/*
 * CONV_2D, int8, small filter patches — plain C reference (issues #13, #14).
 * The operation of tp_conv_2d_s8 (TFLM reference_integer_ops::ConvPerChannel, no groups) on
 * the constants of tp_conv_2d_s8_small (doubled weights in int16 pairs and the doubled bias,
 * see tp_kernels.h), so that a model generated once runs on every core: per output pixel the
 * patch's taps with the input offset added (0 outside the input, as the reference skips them),
 * per channel the sum over its weight pairs plus the doubled bias, halved (exact: every term
 * is even), tp_mbqm, the output offset, the clamp.
 * The dsp/ file of the same name is the fast one.
 */
#include "tp_fixedpoint.h"
#include "tp_kernel_checks.h"
#include "tp_kernels.h"

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
        const int32_t blocks = out_c / 4;
        /* The pixel's taps, x + input_offset, 0 outside the input and past n (the last
         * pair's taps beyond the patch have weight 0). */
        int32_t patch[TP_CONV_SMALL_MAX_PATCH + 4];
        int32_t b, oy, ox, oc, ky, kx, ci, k, pair;
        int8_t *out = output;
        if (params->filter.c != in_c || n > TP_CONV_SMALL_MAX_PATCH) return TP_ERR_PARAM;
        /* The dsp/ variant's contract (its requantisation shortcut), kept here alike. */
        for (oc = 0; oc < out_c; ++oc)
            if (params->output_shift[oc] > -1) return TP_ERR_PARAM;
        for (k = n; k < TP_CONV_SMALL_MAX_PATCH + 4; ++k) patch[k] = 0;
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
                    k = 0;
                    for (ky = 0; ky < k_h; ++ky) {
                        for (kx = 0; kx < k_w; ++kx) {
                            if (ky >= ky0 && ky < ky1 && kx >= kx0 && kx < kx1) {
                                const int8_t *px = in_b + ((size_t)(y0 + params->dilation_h * ky) * (size_t)in_w +
                                                           (size_t)(x0 + params->dilation_w * kx)) * (size_t)in_c;
                                for (ci = 0; ci < in_c; ++ci) patch[k++] = (int32_t)px[ci] + in_off;
                            } else {
                                for (ci = 0; ci < in_c; ++ci) patch[k++] = 0;
                            }
                        }
                    }
                    for (oc = 0; oc < out_c; ++oc) {
                        /* Channel oc's words: in its block of 4 (stride 4), or alone (stride 1). */
                        const size_t stride = oc < 4 * blocks ? 4u : 1u;
                        const uint32_t *w = oc < 4 * blocks ? filter + (size_t)(oc / 4) * (size_t)np * 4u + (size_t)(oc % 4)
                                                            : filter + (size_t)blocks * (size_t)np * 4u + (size_t)(oc - 4 * blocks) * (size_t)np;
                        int32_t acc = requant[oc].bias2;
                        for (pair = 0; pair < np; ++pair, w += stride) {
                            const int32_t t = 4 * (pair >> 1) + (pair & 1);
                            acc += (int32_t)(int16_t)(uint16_t)(*w & 0xFFFFu) * patch[t] + (int32_t)(int16_t)(uint16_t)(*w >> 16) * patch[t + 2];
                        }
                        acc = tp_mbqm(acc / 2, params->output_multiplier[oc], params->output_shift[oc]);
                        acc += params->output_offset;
                        *out++ = (int8_t)tp_clamp_i32(acc, params->activation_min, params->activation_max);
                    }
                }
            }
        }
    }
    return TP_OK;
}
