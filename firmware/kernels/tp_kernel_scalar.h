/*
 * Internal to the dsp/ and mve/ kernels: the scalar paths both take for what their vector
 * blocks leave over, written once in the plain kernels' arithmetic (the same products and
 * int32 sums, requantised with tp_mbqm), so bit-exact like them.
 */
#ifndef TP_KERNEL_SCALAR_H
#define TP_KERNEL_SCALAR_H

#include <stddef.h>
#include <stdint.h>

#include "tp_fixedpoint.h"
#include "tp_kernel_util.h"
#include "tp_kernels.h"

/* Out of line: kept out of the vectorised function, whose register allocation it would
 * otherwise disturb (inlined, it cost the 16x16x64 depthwise benchmark 0.3% on M4F and 0.6%
 * on M55 though it never ran there, and micro_speech's depthwise layer on M55 4%). */
#if defined(__GNUC__) || defined(__clang__)
#define TP_SCALAR_PATH __attribute__((noinline, unused))
#else
#define TP_SCALAR_PATH
#endif

/* The taps of one output pixel that fall inside the input (tp_tap_range): filter rows ky in
 * [ky_start, ky_end) and columns kx in [kx_start, kx_end) of the window whose top-left tap is
 * at input row y0, column x0 (negative inside the padding). */
typedef struct {
    int32_t y0, ky_start, ky_end;
    int32_t x0, kx_start, kx_end;
} tp_pixel_taps;

/* DEPTHWISE_CONV_2D at one output pixel for the input channels c_begin .. C_in - 1, each with
 * its depth_multiplier output channels c * mult + m, one output at a time: the channels the
 * 4-channel blocks leave (and on mve every depth_multiplier > 1). in_b is the batch's input,
 * out the pixel's first output. */
static TP_SCALAR_PATH void tp_dwconv_s8_channels(const tp_dwconv_s8_params *p, const int8_t *in_b,
                                                  const int8_t *filter, const int32_t *bias,
                                                  const tp_pixel_taps *t, int32_t c_begin,
                                                  int8_t *out) {
    const int32_t in_c = p->input.c, out_c = p->output.c, mult = p->depth_multiplier;
    const int32_t dil_h = p->dilation_h, dil_w = p->dilation_w, off = p->input_offset;
    const size_t in_row_stride = (size_t)p->input.w * (size_t)in_c;
    const size_t w_row_stride = (size_t)p->filter.w * (size_t)out_c;
    const size_t in_tap_stride = (size_t)dil_w * (size_t)in_c;
    /* Locals, not *t: every int8 store to out may alias it, and would make GCC reload it. */
    const int32_t y0 = t->y0, ky_start = t->ky_start, ky_end = t->ky_end;
    const int32_t x0 = t->x0, kx_start = t->kx_start, kx_end = t->kx_end;
    int32_t c, m, ky, kx;
    for (c = c_begin; c < in_c; ++c) {
        for (m = 0; m < mult; ++m) {
            const int32_t oc = c * mult + m;
            int32_t acc = 0;
            for (ky = ky_start; ky < ky_end; ++ky) {
                const int8_t *px = in_b + (size_t)(y0 + dil_h * ky) * in_row_stride +
                                   (size_t)(x0 + dil_w * kx_start) * (size_t)in_c + (size_t)c;
                const int8_t *pw =
                    filter + (size_t)ky * w_row_stride + (size_t)kx_start * (size_t)out_c + (size_t)oc;
                for (kx = kx_start; kx < kx_end; ++kx) {
                    acc += (int32_t)*pw * ((int32_t)*px + off);
                    px += in_tap_stride;
                    pw += out_c;
                }
            }
            if (bias) acc += bias[oc];
            acc = tp_mbqm(acc, p->output_multiplier[oc], p->output_shift[oc]) + p->output_offset;
            out[oc] = (int8_t)tp_clamp_i32(acc, p->activation_min, p->activation_max);
        }
    }
}

#endif /* TP_KERNEL_SCALAR_H */
