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
 *
 * Short rows make that slow (a first layer with C_in = 1 and a 10x4 filter has runs of 4
 * bytes: per run the dot product's setup costs more than its 16 MACs). So when the whole
 * filter patch (k_h * k_w * C_in bytes, no groups) fits TP_CONV_PATCH_MAX, each output pixel's
 * patch is first gathered into a contiguous buffer on the stack — im2col for one pixel —
 * and every block of four output channels is then one dot product over the whole patch, the
 * OHWI filter of one channel being exactly that contiguous patch. Padding positions get the
 * byte -input_offset (the input zero point, always an int8), so they add w * 0 = 0, just as
 * the reference skips them. 1x1 filters, and rows of 32 bytes or more, skip the gather.
 *
 * On a core with Helium (Cortex-M55, the mve build) this file is the CONV_2D too: tp_dot4_s8
 * and tp_dot1_s8 are then tp_mve.h's VMLADAVA loops, 16 bytes at a time with predicated tails,
 * and every convolution takes the per-row path (TP_DOT_HELIUM turns off the pointwise blocks
 * and the gather, which are built for SMLAD's 4-byte steps).
 */
#include "../tp_kernel_checks.h"
#include "tp_dsp.h"
#include "tp_pointwise_s8.h"
#include "tp_fixedpoint.h"
#include "tp_kernels.h"

/* Largest gathered patch (bytes of stack); larger filters take the per-row path. */
#define TP_CONV_PATCH_MAX 512

/* n bytes from src to dst, a word at a time (no library memcpy call in firmware builds). */
static inline int8_t *copy_bytes(int8_t *dst, const int8_t *src, int32_t n) {
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const uint32_t v = tp_read_u32(src + i);
        __builtin_memcpy(dst + i, &v, 4);
    }
    for (; i < n; ++i) dst[i] = src[i];
    return dst + n;
}

static inline int8_t *fill_bytes(int8_t *dst, int8_t v, int32_t n) {
    int32_t i;
    for (i = 0; i < n; ++i) dst[i] = v;
    return dst + n;
}

/* The patch of one output pixel, k_h x k_w x C_in in filter order, padding positions = pad. */
static void gather_patch(int8_t *dst, const int8_t *in_b, int32_t in_w, int32_t in_c, int32_t y0,
                         int32_t x0, int32_t k_h, int32_t k_w, int32_t dil_h, int32_t dil_w,
                         int32_t ky_start, int32_t ky_end, int32_t kx_start, int32_t kx_end,
                         int8_t pad) {
    const int32_t row_bytes = k_w * in_c;
    int32_t ky, kx;
    for (ky = 0; ky < k_h; ++ky) {
        if (ky < ky_start || ky >= ky_end) {
            dst = fill_bytes(dst, pad, row_bytes);
            continue;
        }
        {
            const int8_t *row = in_b + (size_t)(y0 + dil_h * ky) * (size_t)in_w * (size_t)in_c;
            dst = fill_bytes(dst, pad, kx_start * in_c);
            if (dil_w == 1) {
                dst = copy_bytes(dst, row + (size_t)(x0 + kx_start) * (size_t)in_c, (kx_end - kx_start) * in_c);
            } else {
                for (kx = kx_start; kx < kx_end; ++kx)
                    dst = copy_bytes(dst, row + (size_t)(x0 + dil_w * kx) * (size_t)in_c, in_c);
            }
            dst = fill_bytes(dst, pad, (k_w - kx_end) * in_c);
        }
    }
}

/* Requantises and stores the n_oc (1..4) outputs of channels oc.. from their sums. With
 * Helium the plain tp_mbqm: on a 3x3x32 layer the mve build ran ~1% more instructions with
 * tp_dsp_mbqm. */
static inline void store_outputs(const tp_conv_s8_params *p, const int32_t *acc, const int32_t *bias,
                                 int32_t oc, int32_t n_oc, int8_t *out) {
    int32_t r;
    for (r = 0; r < n_oc; ++r) {
        int32_t a = acc[r];
        if (bias) a += bias[oc + r];
        a = (TP_DOT_HELIUM ? tp_mbqm(a, p->output_multiplier[oc + r], p->output_shift[oc + r])
                           : tp_dsp_mbqm(a, p->output_multiplier[oc + r], p->output_shift[oc + r])) +
            p->output_offset;
        out[oc + r] = (int8_t)tp_clamp_i32(a, p->activation_min, p->activation_max);
    }
}

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
    if (params->pw_pairs) {
        /* A filter packed in channel pairs (tp_kernels.h): only the pointwise path reads it. */
        TP_CHECK(TP_CONV_2D_S8_PW_PAIRS && !TP_DOT_HELIUM && params->filter.h == 1 && params->filter.w == 1 &&
                     params->filter.c == params->input.c && params->pad_h == 0 && params->pad_w == 0 &&
                     params->input.c % 4 == 0 && params->input.c <= TP_PW_XMAX && params->output.c >= 2 &&
                     (TP_CONV_2D_S8_PW_LAST_PAIR || (params->output.c & 2) == 0) &&
                     params->input_offset == 0 && ((uintptr_t)filter & 3u) == 0 &&
                     (params->output.h - 1) * params->stride_h < params->input.h &&
                     (params->output.w - 1) * params->stride_w < params->input.w,
                 TP_ERR_PARAM);
        tp_pointwise_s8(params, input, filter, bias, output);
        return TP_OK;
    }
    /* Pointwise: every output pixel maps to an input pixel (stride >= 1, no padding, and the
     * checked output shape is at most (in - 1) / stride + 1). TP_CONV_2D_S8_ALL_POINTWISE
     * (tp_config.h) says the generator found every call so, and the general path drops out. */
    if (!TP_DOT_HELIUM &&
        (TP_CONV_2D_S8_ALL_POINTWISE ||
         (params->filter.h == 1 && params->filter.w == 1 && params->filter.c == params->input.c &&
          params->pad_h == 0 && params->pad_w == 0 &&
          (params->output.h - 1) * params->stride_h < params->input.h &&
          (params->output.w - 1) * params->stride_w < params->input.w))) {
        TP_CHECK(TP_CONV_2D_S8_PW_ROW_MAJOR, TP_ERR_PARAM); /* tp_config.h: every pointwise call is packed */
        tp_pointwise_s8(params, input, filter, bias, output);
        return TP_OK;
    }
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
        /* Gather each pixel's patch (see the top): no groups, fits the buffer, not 1x1, and
         * filter rows short (under 32 bytes; with longer rows the per-row dot products are
         * already efficient and the copy costs more than it saves: 3x3x32 measured 2.07 vs
         * 2.05 instructions per MAC). */
        const int use_patch = !TP_DOT_HELIUM && groups == 1 && filter_stride <= TP_CONV_PATCH_MAX &&
                              (k_h > 1 || k_w > 1) && k_w * k_c < 32;
        const int8_t pad = (int8_t)(-off); /* the input zero point: pad + off == 0 */
        uint32_t patch_words[TP_CONV_PATCH_MAX / 4]; /* word-aligned for the dot product's loads */
        int8_t *patch = (int8_t *)patch_words;
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
                    if (use_patch) {
                        const int32_t n = (int32_t)filter_stride;
                        gather_patch(patch, in_b, in_w, in_c, y0, x0, k_h, k_w, dil_h, dil_w, ky_start, ky_end,
                                     kx_start, kx_end, pad);
                        for (oc = 0; oc < out_c; oc += 4) {
                            const int32_t n_oc = out_c - oc < 4 ? out_c - oc : 4;
                            const int8_t *w_oc = filter + (size_t)oc * filter_stride;
                            int32_t acc[4] = {0, 0, 0, 0};
                            int r;
                            if (n_oc == 4) {
                                tp_dot4_s8(patch, w_oc, n, n, off, acc);
                            } else {
                                for (r = 0; r < n_oc; ++r)
                                    acc[r] = tp_dot1_s8(patch, w_oc + (size_t)r * filter_stride, n, off, 0);
                            }
                            store_outputs(params, acc, bias, oc, n_oc, out);
                        }
                        out += out_c;
                        continue;
                    }
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
                            store_outputs(params, acc, bias, oc, n_oc, out);
                        }
                    }
                    out += out_c;
                }
            }
        }
    }
    return TP_OK;
}
