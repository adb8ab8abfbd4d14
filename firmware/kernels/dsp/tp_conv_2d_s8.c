/*
 * CONV_2D, int8 — DSP-extension variant (Cortex-M4/M7/M33), bit-identical to the plain kernel.
 *
 * No im2col buffer: in NHWC the taps of one filter row that fall inside the input are
 * contiguous in memory, both in the input (pixels x0+kx_start .. x0+kx_end-1, all channels)
 * and in the OHWI filter (same kx range of row ky). With dilation_w == 1 and no groups, each
 * in-bounds filter row is therefore one dot product of (kx_end - kx_start) * C_in bytes;
 * otherwise each in-bounds tap is one of C_in/groups bytes. Four output channels are computed
 * together (tp_dot4_s8), sharing every input load; the channels left over take the one-row
 * loop. Padding taps are skipped exactly as in the reference.
 */
#include "../tp_kernel_checks.h"
#include "tp_dsp.h"
#include "tp_fixedpoint.h"
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
    {
        const int32_t in_h = params->input.h, in_w = params->input.w, in_c = params->input.c;
        const int32_t k_h = params->filter.h, k_w = params->filter.w, k_c = params->filter.c;
        const int32_t out_c = params->output.c;
        const int32_t groups = in_c / k_c;
        const int32_t per_group = out_c / groups;
        const int32_t dil_h = params->dilation_h, dil_w = params->dilation_w;
        const int32_t off = params->input_offset;
        const size_t filter_stride = (size_t)k_h * (size_t)k_w * (size_t)k_c; /* one output channel */
        /* One contiguous run per filter row when the row's taps are adjacent in memory. */
        const int row_runs = dil_w == 1 && groups == 1;
        int32_t b, oy, ox, g, oc, ky, kx;
        int8_t *out = output;
        for (b = 0; b < params->input.n; ++b) {
            const int8_t *in_b = input + (size_t)b * (size_t)in_h * (size_t)in_w * (size_t)in_c;
            for (oy = 0; oy < params->output.h; ++oy) {
                const int32_t y0 = oy * params->stride_h - params->pad_h;
                /* Filter rows inside the input: ky in [ky_start, ky_end). */
                int32_t ky_start, ky_end;
                tp_tap_range(y0, dil_h, k_h, in_h, &ky_start, &ky_end);
                for (ox = 0; ox < params->output.w; ++ox) {
                    const int32_t x0 = ox * params->stride_w - params->pad_w;
                    int32_t kx_start, kx_end;
                    tp_tap_range(x0, dil_w, k_w, in_w, &kx_start, &kx_end);
                    for (g = 0; g < groups; ++g) {
                        const int32_t oc_end = (g + 1) * per_group;
                        const size_t in_ch = (size_t)g * (size_t)k_c;
                        for (oc = g * per_group; oc < oc_end; oc += 4) {
                            const int32_t n_oc = oc_end - oc < 4 ? oc_end - oc : 4;
                            const int8_t *w_oc = filter + (size_t)oc * filter_stride;
                            int32_t acc[4] = {0, 0, 0, 0};
                            int r;
                            for (ky = ky_start; ky < ky_end; ++ky) {
                                const int32_t y = y0 + dil_h * ky;
                                const int8_t *in_row = in_b + (size_t)y * (size_t)in_w * (size_t)in_c + in_ch;
                                const size_t w_row = (size_t)ky * (size_t)k_w * (size_t)k_c;
                                /* Runs of this filter row: one, or one per tap. */
                                const int32_t runs = row_runs ? (kx_end > kx_start ? 1 : 0) : kx_end - kx_start;
                                const int32_t run_len = row_runs ? (kx_end - kx_start) * k_c : k_c;
                                int32_t run;
                                for (run = 0; run < runs; ++run) {
                                    kx = kx_start + run;
                                    {
                                        const int8_t *px = in_row + (size_t)(x0 + dil_w * kx) * (size_t)in_c;
                                        const int8_t *pw = w_oc + w_row + (size_t)kx * (size_t)k_c;
                                        if (n_oc == 4) {
                                            tp_dot4_s8(px, pw, (int32_t)filter_stride, run_len, off, acc);
                                        } else {
                                            for (r = 0; r < n_oc; ++r) {
                                                acc[r] = tp_dot1_s8(px, pw + (size_t)r * filter_stride, run_len,
                                                                    off, acc[r]);
                                            }
                                        }
                                    }
                                }
                            }
                            for (r = 0; r < n_oc; ++r) {
                                int32_t a = acc[r];
                                if (bias) a += bias[oc + r];
                                a = tp_mbqm(a, params->output_multiplier[oc + r], params->output_shift[oc + r]) +
                                    params->output_offset;
                                out[oc + r] = (int8_t)tp_clamp_i32(a, params->activation_min, params->activation_max);
                            }
                        }
                    }
                    out += out_c;
                }
            }
        }
    }
    return TP_OK;
}
