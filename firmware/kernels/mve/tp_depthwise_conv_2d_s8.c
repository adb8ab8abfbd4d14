/*
 * DEPTHWISE_CONV_2D, int8 — Helium (MVE) variant for Cortex-M55, bit-identical to the plain
 * kernel.
 *
 * With depth_multiplier == 1 output channel c reads only input channel c, and in NHWC four
 * neighbouring channels are four neighbouring bytes of both the input and the 1HWO filter.
 * Each vector holds four channels as int32 lanes (VLDRB.S32 widens while loading): per
 * in-bounds tap, one input load, one filter load, the offset add, a multiply and an add.
 * The requantisation is vectorised too, exactly as the scalar MultiplyByQuantizedMultiplier:
 *   x << max(shift, 0)                       VSHL (wraps, like the reference's int32 multiply)
 *   SaturatingRoundingDoublingHighMul(x, m)  VQRDMULH (the same operation, saturation included)
 *   RoundingDivideByPOT(x, -min(shift, 0))   VRSHL by the negative shift after adding -1 to
 *                                            negative x (VQADD of (x & shift) >> 31): VRSHL
 *                                            rounds ties up, the reference away from zero
 * then + zero point, clamp, and a narrowing store of the four bytes. The last channels are
 * handled with tail predication (VCTP32). depth_multiplier > 1 takes the scalar loop
 * (tp_kernel_scalar.h).
 */
#include "../tp_kernel_checks.h"
#include "../tp_kernel_scalar.h"
#include "tp_fixedpoint.h"
#include "tp_kernels.h"
#include "tp_mve.h"

int32_t tp_depthwise_conv_2d_s8_get_scratch_size(const tp_dwconv_s8_params *params) {
    (void)params;
    return 0;
}

/* MultiplyByQuantizedMultiplier on four lanes, each with its own multiplier and shift. */
static inline int32x4_t requant_x4(int32x4_t acc, int32x4_t mult, int32x4_t shift) {
    const int32x4_t zero = vdupq_n_s32(0);
    const int32x4_t left = vmaxq_s32(shift, zero);
    const int32x4_t right = vminq_s32(shift, zero); /* <= 0: VRSHL shifts right by -right */
    int32x4_t x = vshlq_s32(acc, left);
    x = vqrdmulhq_s32(x, mult);
    /* Round half away from zero: negative values lose 1 before the round-half-up shift (only
     * where a right shift happens: right == 0 gives a zero mask). */
    x = vqaddq_s32(x, vshrq_n_s32(vandq_s32(x, right), 31));
    return vrshlq_s32(x, right);
}

/* Four channels of one output pixel: sum over the in-bounds taps, requantise, store. With
 * full != 0 (a constant at every call) the loads are unpredicated; the last, partial block of
 * channels passes full == 0 and its predicate. */
typedef struct {
    const int8_t *px;  /* input at (first in-bounds row, first in-bounds column, channel c) */
    const int8_t *pw;  /* filter at the same tap and channel */
    size_t in_row_step; /* to the next in-bounds filter row */
    size_t w_row_step;
    size_t in_tap_step; /* to the next tap of a row */
    size_t w_tap_step;
    int32_t rows, taps; /* in-bounds filter rows, taps per row */
} dw_window;

static inline void dw_block4(const tp_dwconv_s8_params *p, const dw_window *win, int32_t c,
                             const int32_t *bias, int8_t *out, mve_pred16_t pred, int full) {
    const int32_t off = p->input_offset;
    int32x4_t acc = vdupq_n_s32(0);
    const int8_t *row_x = win->px + c;
    const int8_t *row_w = win->pw + c;
    int32_t r, t;
    for (r = 0; r < win->rows; ++r) {
        const int8_t *px = row_x;
        const int8_t *pw = row_w;
        for (t = 0; t < win->taps; ++t) {
            const int32x4_t xv = full ? vldrbq_s32(px) : vldrbq_z_s32(px, pred);
            const int32x4_t wv = full ? vldrbq_s32(pw) : vldrbq_z_s32(pw, pred);
            /* MVE has no vector-by-vector VMLA: add the offset, multiply, accumulate. */
            acc = vaddq_s32(acc, vmulq_s32(vaddq_n_s32(xv, off), wv));
            px += win->in_tap_step;
            pw += win->w_tap_step;
        }
        row_x += win->in_row_step;
        row_w += win->w_row_step;
    }
    if (bias) acc = vaddq_s32(acc, full ? vldrwq_s32(bias + c) : vldrwq_z_s32(bias + c, pred));
    acc = requant_x4(acc,
                     full ? vldrwq_s32(p->output_multiplier + c) : vldrwq_z_s32(p->output_multiplier + c, pred),
                     full ? vldrwq_s32(p->output_shift + c) : vldrwq_z_s32(p->output_shift + c, pred));
    acc = vaddq_n_s32(acc, p->output_offset);
    acc = vminq_s32(vmaxq_s32(acc, vdupq_n_s32(p->activation_min)), vdupq_n_s32(p->activation_max));
    if (full) {
        vstrbq_s32(out + c, acc);
    } else {
        vstrbq_p_s32(out + c, acc, pred);
    }
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
        const int32_t out_c = params->output.c;
        const int32_t mult = params->depth_multiplier;
        const int32_t dil_h = params->dilation_h, dil_w = params->dilation_w;
        const size_t in_row_stride = (size_t)in_w * (size_t)in_c;
        const size_t in_tap_stride = (size_t)dil_w * (size_t)in_c;
        int32_t b, oy, ox, c;
        int8_t *out = output;
        for (b = 0; b < params->input.n; ++b) {
            const int8_t *in_b = input + (size_t)b * (size_t)in_h * in_row_stride;
            for (oy = 0; oy < params->output.h; ++oy) {
                const int32_t y0 = oy * params->stride_h - params->pad_h;
                int32_t ky_start, ky_end;
                tp_tap_range(y0, dil_h, k_h, in_h, &ky_start, &ky_end);
                for (ox = 0; ox < params->output.w; ++ox) {
                    const int32_t x0 = ox * params->stride_w - params->pad_w;
                    int32_t kx_start, kx_end;
                    tp_tap_range(x0, dil_w, k_w, in_w, &kx_start, &kx_end);
                    if (mult == 1) {
                        dw_window win;
                        win.px = in_b + (size_t)(y0 + dil_h * ky_start) * in_row_stride +
                                 (size_t)(x0 + dil_w * kx_start) * (size_t)in_c;
                        win.pw = filter + ((size_t)ky_start * (size_t)k_w + (size_t)kx_start) * (size_t)out_c;
                        win.in_row_step = (size_t)dil_h * in_row_stride;
                        win.w_row_step = (size_t)k_w * (size_t)out_c;
                        win.in_tap_step = in_tap_stride;
                        win.w_tap_step = (size_t)out_c;
                        win.rows = ky_end - ky_start;
                        win.taps = kx_end - kx_start;
                        for (c = 0; c + 4 <= in_c; c += 4) {
                            dw_block4(params, &win, c, bias, out, vctp32q(4u), 1);
                        }
                        if (c < in_c) dw_block4(params, &win, c, bias, out, vctp32q((uint32_t)(in_c - c)), 0);
                    } else {
                        const tp_pixel_taps taps = {y0, ky_start, ky_end, x0, kx_start, kx_end};
                        tp_dwconv_s8_channels(params, in_b, filter, bias, &taps, 0, out);
                    }
                    out += out_c;
                }
            }
        }
    }
    return TP_OK;
}
