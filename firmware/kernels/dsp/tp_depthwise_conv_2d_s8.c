/*
 * DEPTHWISE_CONV_2D, int8 — DSP-extension variant (Cortex-M4/M7/M33), bit-identical to the
 * plain kernel.
 *
 * With depth_multiplier == 1 output channel c only reads input channel c, and in NHWC four
 * neighbouring channels are one word of input and one word of a 1HWO filter row. Per output
 * pixel, blocks of four channels keep four accumulators in registers over the in-bounds taps:
 * per tap one input word (two SXTAB16 add the offset to channels {0,2} and {1,3}), one filter
 * word (two SXTB16), and SMLABB/SMLATT per channel; full 3-tap rows are unrolled.
 *
 * With depth_multiplier > 1 the output channels c*mult .. c*mult+mult-1 all read input channel
 * c and are contiguous in the filter, so the op is a convolution with one input channel per
 * group (micro_speech: input depth 1, multiplier 8). Blocks of 8 (then 4) of those output
 * channels share each tap's input byte: the byte plus the offset sits in the bottom lane of a
 * register and SMLABB/SMLATB multiply it by the even/odd filter lanes — one multiply-accumulate
 * instruction per MAC, the input loaded once per tap instead of once per output channel.
 * Channels left over use the plain per-channel loop (tp_kernel_scalar.h).
 *
 * 3x3 filters with depth_multiplier 1 and dilation 1 (MobileNet's depthwise layers) take their
 * own path, tp_dw3x3_pixel below: one assembly loop over the pixel's 4-channel blocks, border
 * windows gathered with zero-point padding, and the cheaper requantisation of
 * tp_requant_dsp.h (issue #14, speed).
 */
#include "../tp_kernel_checks.h"
#include "../tp_kernel_scalar.h"
#include "tp_dsp.h"
#include "tp_fixedpoint.h"
#include "tp_kernels.h"
#include "tp_requant_dsp.h"

int32_t tp_depthwise_conv_2d_s8_get_scratch_size(const tp_dwconv_s8_params *params) {
    (void)params;
    return 0;
}

static inline int8_t requant(const tp_dwconv_s8_params *p, int32_t acc, const int32_t *bias,
                             int32_t oc) {
    if (bias) acc += bias[oc];
    acc = tp_dsp_mbqm(acc, p->output_multiplier[oc], p->output_shift[oc]) + p->output_offset;
    return (int8_t)tp_clamp_i32(acc, p->activation_min, p->activation_max);
}

/* One tap for four channels: input word (offset added to channels {0,2} and {1,3} by two
 * SXTAB16), filter word (two SXTB16), and one 16x16 multiply-accumulate per channel. On the
 * cores it is one asm statement: written in C, GCC 12 hoisted all six loads of a 3-tap row
 * ahead of the arithmetic and then spilled accumulators (~47 instructions per row instead of
 * 30); as separate asm statements the taps stay in order with 11 registers live. The
 * input and filter it reads are never written by this kernel, so no memory clobber (which
 * would make GCC reload the window's fields around every tap). */
#if TP_DOT4_ASM
#define TP_DW_TAP(PX, PW)                                                                \
    do {                                                                                 \
        uint32_t x_, w_, t_, u_;                                                         \
        __asm__ volatile("ldr     %[x], [%[px]]\n\t"                                     \
                         "ldr     %[w], [%[pw]]\n\t"                                     \
                         "sxtab16 %[t], %[off], %[x]\n\t"                                \
                         "sxtb16  %[u], %[w]\n\t"                                        \
                         "smlabb  %[a0], %[u], %[t], %[a0]\n\t"                          \
                         "smlatt  %[a2], %[u], %[t], %[a2]\n\t"                          \
                         "sxtab16 %[t], %[off], %[x], ror #8\n\t"                        \
                         "sxtb16  %[u], %[w], ror #8\n\t"                                \
                         "smlabb  %[a1], %[u], %[t], %[a1]\n\t"                          \
                         "smlatt  %[a3], %[u], %[t], %[a3]\n\t"                          \
                         : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3),      \
                           [x] "=&r"(x_), [w] "=&r"(w_), [t] "=&r"(t_), [u] "=&r"(u_)       \
                         : [px] "r"(PX), [pw] "r"(PW), [off] "r"(off2));                   \
    } while (0)
#else
#define TP_DW_TAP(PX, PW)                                                                \
    do {                                                                                 \
        const uint32_t xw_ = tp_read_u32(PX);                                            \
        const uint32_t ww_ = tp_read_u32(PW);                                            \
        const uint32_t xe_ = tp_sxtab16(off2, xw_);      /* channels c, c+2 */           \
        const uint32_t xo_ = tp_sxtab16_ror8(off2, xw_); /* channels c+1, c+3 */         \
        const uint32_t we_ = tp_sxtb16(ww_);                                             \
        const uint32_t wo_ = tp_sxtb16_ror8(ww_);                                        \
        a0 = tp_smlabb(we_, xe_, a0);                                                    \
        a2 = tp_smlatt(we_, xe_, a2);                                                    \
        a1 = tp_smlabb(wo_, xo_, a1);                                                    \
        a3 = tp_smlatt(wo_, xo_, a3);                                                    \
    } while (0)
#endif

/* One tap for four output channels of the same input channel: X holds the input value plus
 * the offset in its bottom int16 lane, PW points at the four channels' filter bytes. */
#define TP_DW_BCAST4(X, PW, A0, A1, A2, A3)                                              \
    do {                                                                                 \
        const uint32_t ww_ = tp_read_u32(PW);                                            \
        const uint32_t we_ = tp_sxtb16(ww_);      /* channels 0, 2 */                    \
        const uint32_t wo_ = tp_sxtb16_ror8(ww_); /* channels 1, 3 */                    \
        A0 = tp_smlabb(we_, (X), A0);                                                    \
        A2 = tp_smlatb(we_, (X), A2);                                                    \
        A1 = tp_smlabb(wo_, (X), A1);                                                    \
        A3 = tp_smlatb(wo_, (X), A3);                                                    \
    } while (0)

/* The in-bounds window of one output pixel for the depth_multiplier > 1 blocks: the first
 * tap's input byte and filter bytes, and how to step between taps and rows. */
typedef struct {
    const int8_t *px;  /* input[y0 + dil_h * ky_start][x0 + dil_w * kx_start][c] */
    const int8_t *pw;  /* filter[ky_start][kx_start][oc] */
    int32_t rows, taps;
    size_t px_tap, px_row; /* input steps to the next kx / next ky */
    size_t pw_tap, pw_row; /* filter steps to the next kx / next ky */
    int32_t off;
    /* For dw_block4_m1's fused requantisation: this block's channels. */
    const int32_t *bias, *mul, *sh;
    int32_t zo, lo, hi;
} dw_window;

/* Out of line so that the block's accumulators and strides get the registers (inlined into
 * the pixel loop GCC spilled about half of them); blocks requantise their own outputs. */
#if defined(__GNUC__) || defined(__clang__)
#define TP_DW_NOINLINE __attribute__((noinline))
#else
#define TP_DW_NOINLINE
#endif

/* Requantises the sums A0..A3 of the window's channels I..I+3 into out[I..I+3], the bias
 * added first (tested once for the four). */
#define TP_DW_OUT(I, A) \
    out[I] = (int8_t)tp_clamp_i32(tp_dsp_mbqm(A, w->mul[I], w->sh[I]) + w->zo, w->lo, w->hi)
#define TP_DW_OUT4(I, A0, A1, A2, A3)                                       \
    do {                                                                    \
        if (w->bias) {                                                      \
            A0 += w->bias[I];                                               \
            A1 += w->bias[(I) + 1];                                         \
            A2 += w->bias[(I) + 2];                                         \
            A3 += w->bias[(I) + 3];                                         \
        }                                                                   \
        TP_DW_OUT((I), A0);                                                 \
        TP_DW_OUT((I) + 1, A1);                                             \
        TP_DW_OUT((I) + 2, A2);                                             \
        TP_DW_OUT((I) + 3, A3);                                             \
    } while (0)

static TP_DW_NOINLINE void dw_block8(const dw_window *w, int8_t *out) {
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
    const int8_t *px_r = w->px, *pw_r = w->pw;
    const size_t sx = w->px_tap, sw = w->pw_tap;
    const int32_t off = w->off, taps = w->taps;
    int32_t ky;
    for (ky = 0; ky < w->rows; ++ky) {
        const int8_t *px = px_r, *pw = pw_r;
        const int8_t *const px_end = px + (size_t)taps * sx;
        do {
            const uint32_t x = (uint32_t)((int32_t)*px + off);
            TP_DW_BCAST4(x, pw, a0, a1, a2, a3);
            TP_DW_BCAST4(x, pw + 4, a4, a5, a6, a7);
            px += sx;
            pw += sw;
        } while (px != px_end);
        px_r += w->px_row;
        pw_r += w->pw_row;
    }
    TP_DW_OUT4(0, a0, a1, a2, a3);
    TP_DW_OUT4(4, a4, a5, a6, a7);
}

static TP_DW_NOINLINE void dw_block4(const dw_window *w, int8_t *out) {
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    const int8_t *px_r = w->px, *pw_r = w->pw;
    const size_t sx = w->px_tap, sw = w->pw_tap;
    const int32_t off = w->off, taps = w->taps;
    int32_t ky;
    for (ky = 0; ky < w->rows; ++ky) {
        const int8_t *px = px_r, *pw = pw_r;
        const int8_t *const px_end = px + (size_t)taps * sx;
        do {
            const uint32_t x = (uint32_t)((int32_t)*px + off);
            TP_DW_BCAST4(x, pw, a0, a1, a2, a3);
            px += sx;
            pw += sw;
        } while (px != px_end);
        px_r += w->px_row;
        pw_r += w->pw_row;
    }
    TP_DW_OUT4(0, a0, a1, a2, a3);
}

/* depth_multiplier == 1: four channels over the window, each tap one input word and one
 * filter word. Out of line with only the window as state so that the 4 accumulators, both
 * pointers, both tap strides and the offset pair stay in registers (inlined into the pixel
 * loop GCC spilled about half of them: ~50 instead of ~33 instructions per 3-tap row). */

static TP_DW_NOINLINE void dw_block4_m1(const dw_window *win, uint32_t off2, int8_t *out,
                                        int32_t blocks) {
    dw_window wl = *win;
    const dw_window *const w = &wl;
    for (; blocks > 0; --blocks) {
        int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        const int8_t *px_r = w->px, *pw_r = w->pw;
        const size_t sx = w->px_tap, sw = w->pw_tap, rx = w->px_row, rw = w->pw_row;
        const int32_t rows = w->rows;
        int32_t ky, kx;
#if TP_DOT4_ASM
        /* With TP_DEPTHWISE_CONV_2D_S8_ALL_3X3 every caller has dilation 1: the C row below drops out. */
        if (w->taps == 3 && (TP_DEPTHWISE_CONV_2D_S8_ALL_3X3 || sx == sw)) {
            /* Full 3-tap rows where input and filter taps are the same distance apart (always
             * with dilation 1: both are C channels): the row in one asm statement, taps addressed
             * as [p], [p, s] and [p, s, lsl #1]. 12 registers (as tp_dot4_s8_asm): the filter
             * word is loaded twice, once per SXTB16, to save the fourth temporary. */
            for (ky = 0; ky < rows; ++ky) {
                uint32_t x_, w_, t_;
#define TP_DW_ROW_TAP(ADDR_X, ADDR_W)                                                    \
        "ldr     %[x], " ADDR_X "\n\t"                                                       \
        "ldr     %[w], " ADDR_W "\n\t"                                                       \
        "sxtab16 %[t], %[off], %[x]\n\t"                                                    \
        "sxtab16 %[x], %[off], %[x], ror #8\n\t"                                            \
        "sxtb16  %[w], %[w]\n\t"                                                            \
        "smlabb  %[a0], %[w], %[t], %[a0]\n\t"                                              \
        "smlatt  %[a2], %[w], %[t], %[a2]\n\t"                                              \
        "ldr     %[w], " ADDR_W "\n\t"                                                       \
        "sxtb16  %[w], %[w], ror #8\n\t"                                                    \
        "smlabb  %[a1], %[w], %[x], %[a1]\n\t"                                              \
        "smlatt  %[a3], %[w], %[x], %[a3]\n\t"
                __asm__ volatile(TP_DW_ROW_TAP("[%[px]]", "[%[pw]]")
                                     TP_DW_ROW_TAP("[%[px], %[s]]", "[%[pw], %[s]]")
                                         TP_DW_ROW_TAP("[%[px], %[s], lsl #1]", "[%[pw], %[s], lsl #1]")
                                 : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3),
                                   [x] "=&r"(x_), [w] "=&r"(w_), [t] "=&r"(t_)
                                 : [px] "r"(px_r), [pw] "r"(pw_r), [s] "r"(sx), [off] "r"(off2));
#undef TP_DW_ROW_TAP
                px_r += rx;
                pw_r += rw;
            }
        } else
#endif
        if (w->taps == 3) {
            /* The common full 3-tap row, no pointer updates or loop control between taps. */
            for (ky = 0; ky < rows; ++ky) {
                TP_DW_TAP(px_r, pw_r);
                TP_DW_TAP(px_r + sx, pw_r + sw);
                TP_DW_TAP(px_r + 2 * sx, pw_r + 2 * sw);
                px_r += rx;
                pw_r += rw;
            }
        } else {
            for (ky = 0; ky < w->rows; ++ky) {
                const int8_t *px = px_r, *pw = pw_r;
                for (kx = 0; kx < w->taps; ++kx) {
                    TP_DW_TAP(px, pw);
                    px += sx;
                    pw += sw;
                }
                px_r += w->px_row;
                pw_r += w->pw_row;
            }
        }
        /* Requantised here, where only the four sums are live: in the caller, after the call,
         * GCC reloaded the parameters' fields for every output (~40 instructions per output). */
        TP_DW_OUT4(0, a0, a1, a2, a3);
        out += 4;
        wl.px += 4;
        wl.pw += 4;
        if (wl.bias) wl.bias += 4;
        wl.mul += 4;
        wl.sh += 4;
    }
}

/* The in-bounds window of one output pixel (taps t) for dw_block4_m1, depth_multiplier 1:
 * input and output channels are the same C. */
static inline void dw_window_m1(dw_window *w, const tp_dwconv_s8_params *p, const int8_t *in_b,
                                const int8_t *filter, const int32_t *bias, const tp_pixel_taps *t) {
    const size_t c = (size_t)p->input.c, row = (size_t)p->input.w * c;
    w->px = in_b + (size_t)(t->y0 + p->dilation_h * t->ky_start) * row +
            (size_t)(t->x0 + p->dilation_w * t->kx_start) * c;
    w->pw = filter + ((size_t)t->ky_start * (size_t)p->filter.w + (size_t)t->kx_start) * c;
    w->rows = t->ky_end - t->ky_start;
    w->taps = t->kx_end - t->kx_start;
    w->px_tap = (size_t)p->dilation_w * c;
    w->px_row = (size_t)p->dilation_h * row;
    w->pw_tap = c;
    w->pw_row = (size_t)p->filter.w * c;
    w->off = p->input_offset;
    w->bias = bias;
    w->mul = p->output_multiplier;
    w->sh = p->output_shift;
    w->zo = p->output_offset;
    w->lo = p->activation_min;
    w->hi = p->activation_max;
}

/* ---- 3x3, depth_multiplier 1, dilation 1: the MobileNet depthwise layer (issue #14, speed) ----
 *
 * Per output pixel the 9 taps of blocks of 4 channels accumulate in one assembly loop over the
 * blocks (tp_dw3x3_blocks), the sums go to a small array, and one C loop adds the bias and
 * requantises them (tp_requant_dsp.h). Pixels whose window crosses the border first gather
 * their 3x3xC window into a stack patch with the input zero point (-input_offset) in the
 * padding, whose taps then add w * 0 = 0 exactly as the reference skips them: one loop for
 * every pixel. The filter is read in place (1HWO: tap (ky, kx) of channel c at (3ky + kx)C + c). */

/* Sums of 4 * blocks channels over a full 3x3 window: acc[c] = bias[c] + sum over the 9 taps
 * of w[tap][c] * (x[tap][c] + off), px / pw at channel 0 of tap (0, 0), taps s = C bytes apart
 * (input and filter), input rows rx bytes apart; off2 = the offset in both int16 lanes. Per tap
 * and 4 channels: one input word split into channels {0, 2} and {1, 3} with the offset added
 * (SXTAB16), one filter word split likewise (SXTB16), SMLABB / SMLATT per channel — 10
 * instructions. Naked, as tp_pw_2x2_x16: the loop needs all 14 free registers. */
#define TP_DW3_BLOCKS_MAX 16 /* blocks per call: acc holds 64 sums */
#if TP_DOT4_ASM
#define TP_DW3_TAP(X, W)                          \
    "ldr     r8, " X "\n\t"                       \
    "ldr     r9, " W "\n\t"                       \
    "sxtab16 r10, r12, r8\n\t"                    \
    "sxtb16  r11, r9\n\t"                         \
    "smlabb  r4, r11, r10, r4\n\t"                \
    "smlatt  r6, r11, r10, r6\n\t"                \
    "sxtab16 r10, r12, r8, ror #8\n\t"            \
    "sxtb16  r11, r9, ror #8\n\t"                 \
    "smlabb  r5, r11, r10, r5\n\t"                \
    "smlatt  r7, r11, r10, r7\n\t"
#define TP_DW3_ROW                                              \
    TP_DW3_TAP("[r0]", "[r1]")                                  \
    TP_DW3_TAP("[r0, r2]", "[r1, r2]")                          \
    TP_DW3_TAP("[r0, r2, lsl #1]", "[r1, r2, lsl #1]")
#define TP_DW3_NEXT_ROW                                         \
    "ldr     r8, [sp, #40]\n\t"                                 \
    "add     r0, r0, r8\n\t"                                    \
    "add     r1, r1, r2\n\t"                                    \
    "add     r1, r1, r2, lsl #1\n\t"
__attribute__((naked, noinline)) static void tp_dw3x3_blocks(const int8_t *px __attribute__((unused)),
                                                            const int8_t *pw __attribute__((unused)),
                                                            int32_t s __attribute__((unused)),
                                                            int32_t *acc __attribute__((unused)),
                                                            int32_t blocks __attribute__((unused)),
                                                            int32_t rx __attribute__((unused)),
                                                            uint32_t off2 __attribute__((unused)),
                                                            const int32_t *bias __attribute__((unused))) {
    /* Stack after the push: blocks at sp+36, rx at sp+40, off2 at sp+44, bias at sp+48 (the
     * callee's to change: it steps through the biases there). */
    __asm__ volatile(
        "push    {r4, r5, r6, r7, r8, r9, r10, r11, lr}\n\t"
        "ldr     r12, [sp, #44]\n\t"
        "ldr     lr, [sp, #36]\n\t"
        "add     lr, r3, lr, lsl #4\n"
        "1:\n\t"
        "ldr     r8, [sp, #48]\n\t"
        "ldm     r8!, {r4, r5, r6, r7}\n\t"
        "str     r8, [sp, #48]\n\t" TP_DW3_ROW TP_DW3_NEXT_ROW TP_DW3_ROW TP_DW3_NEXT_ROW TP_DW3_ROW
        "stm     r3!, {r4, r5, r6, r7}\n\t"
        /* Back to row 0 (2 rows up, 6 taps back) and on to the next 4 channels. */
        "ldr     r8, [sp, #40]\n\t"
        "sub     r0, r0, r8, lsl #1\n\t"
        "adds    r0, r0, #4\n\t"
        "sub     r1, r1, r2, lsl #2\n\t"
        "sub     r1, r1, r2, lsl #1\n\t"
        "adds    r1, r1, #4\n\t"
        "cmp     r3, lr\n\t"
        "bne     1b\n\t"
        "pop     {r4, r5, r6, r7, r8, r9, r10, r11, pc}\n\t");
}
#else
static void tp_dw3x3_blocks(const int8_t *px, const int8_t *pw, int32_t s, int32_t *acc, int32_t blocks,
                            int32_t rx, uint32_t off2, const int32_t *bias) {
    int32_t b, ky, kx;
    for (b = 0; b < blocks; ++b, px += 4, pw += 4, acc += 4, bias += 4) {
        int32_t a0 = bias[0], a1 = bias[1], a2 = bias[2], a3 = bias[3];
        for (ky = 0; ky < 3; ++ky) {
            for (kx = 0; kx < 3; ++kx) {
                const uint32_t xw = tp_read_u32(px + (size_t)ky * (size_t)rx + (size_t)kx * (size_t)s);
                const uint32_t ww = tp_read_u32(pw + (size_t)(3 * ky + kx) * (size_t)s);
                const uint32_t xe = tp_sxtab16(off2, xw), xo = tp_sxtab16_ror8(off2, xw);
                const uint32_t we = tp_sxtb16(ww), wo = tp_sxtb16_ror8(ww);
                a0 = tp_smlabb(we, xe, a0);
                a2 = tp_smlatt(we, xe, a2);
                a1 = tp_smlabb(wo, xo, a1);
                a3 = tp_smlatt(wo, xo, a3);
            }
        }
        acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3;
    }
}
#endif

/* Largest C whose 3x3xC border window is gathered on the stack; wider layers take the general
 * path at the border. */
#define TP_DW3_PATCH_C 128

/* The first C & ~3 channels of the 3x3xC window of a border pixel into patch (taps C bytes
 * apart, rows 3C, as the filter), padding = pad. */
static void tp_dw3x3_gather(const int8_t *in_b, int32_t in_w, int32_t c, int32_t y0, int32_t x0,
                            const tp_pixel_taps *t, int8_t pad, int8_t *patch) {
    const uint32_t pad4 = (uint32_t)(uint8_t)pad * 0x01010101u;
    const int32_t c4 = c & ~3;
    int32_t ky, kx, i;
    for (ky = 0; ky < 3; ++ky) {
        for (kx = 0; kx < 3; ++kx) {
            int8_t *dst = patch + (size_t)(3 * ky + kx) * (size_t)c;
            if (ky >= t->ky_start && ky < t->ky_end && kx >= t->kx_start && kx < t->kx_end) {
                const int8_t *src = in_b + ((size_t)(y0 + ky) * (size_t)in_w + (size_t)(x0 + kx)) * (size_t)c;
                for (i = 0; i < c4; i += 4) {
                    const uint32_t v = tp_read_u32(src + i);
                    __builtin_memcpy(dst + i, &v, 4);
                }
            } else {
                for (i = 0; i < c4; i += 4) __builtin_memcpy(dst + i, &pad4, 4);
            }
        }
    }
}

/* What every pixel of a 3x3 layer shares. */
typedef struct {
    const tp_dwconv_s8_params *p;
    const int8_t *filter;
    const int32_t *bias; /* the layer's, or zeros[] */
    int32_t bias_step;   /* 1 with the layer's bias, 0 with zeros[] (one chunk long) */
    uint32_t off2;
    tp_rq_out rq;
    int32_t mode;
    int32_t zeros[4 * TP_DW3_BLOCKS_MAX];
} tp_dw3_layer;

/* The 4-channel blocks of one output pixel: window px (input rows rx apart) into out, in chunks
 * of TP_DW3_BLOCKS_MAX blocks. */
static TP_DW_NOINLINE void tp_dw3x3_pixel(const tp_dw3_layer *L, const int8_t *px, int32_t rx, int8_t *out) {
    const tp_dwconv_s8_params *p = L->p;
    const int32_t c4 = p->input.c & ~3;
    int32_t acc[4 * TP_DW3_BLOCKS_MAX];
    int32_t c0;
    for (c0 = 0; c0 < c4; c0 += 4 * TP_DW3_BLOCKS_MAX) {
        const int32_t n = c4 - c0 < 4 * TP_DW3_BLOCKS_MAX ? c4 - c0 : 4 * TP_DW3_BLOCKS_MAX;
        tp_dw3x3_blocks(px + c0, L->filter + c0, p->input.c, acc, n >> 2, rx, L->off2, L->bias + c0 * L->bias_step);
        tp_rq_run(acc, NULL, p->output_multiplier + c0, p->output_shift + c0, n, &L->rq, L->mode, out + c0);
    }
}

/* A border pixel: its window gathered (padding = the input zero point), then as any pixel. The
 * patch lives in this frame, not the layer loop's. */
static TP_DW_NOINLINE void tp_dw3x3_border(const tp_dw3_layer *L, const int8_t *in_b, const tp_pixel_taps *t,
                                           int8_t *out) {
    int8_t patch[9 * TP_DW3_PATCH_C];
    const int32_t c = L->p->input.c;
    tp_dw3x3_gather(in_b, L->p->input.w, c, t->y0, t->x0, t, (int8_t)(-L->p->input_offset), patch);
    tp_dw3x3_pixel(L, patch, 3 * c, out);
}

/* The whole layer on the 3x3 path: interior pixels straight from the input, border pixels
 * through the gathered patch (up to TP_DW3_PATCH_C channels; wider layers' border pixels take
 * dw_block4_m1), the channels after the last multiple of 4 the scalar loop. Out of line, so
 * that the general loop below compiles as it did without it. */
static TP_DW_NOINLINE TP_NO_LIBCALL_LOOPS void tp_dw3x3_layer(const tp_dwconv_s8_params *params, const int8_t *input,
                                          const int8_t *filter, const int32_t *bias, int8_t *out) {
    const int32_t in_h = params->input.h, in_w = params->input.w, in_c = params->input.c;
    const uint32_t off2 = tp_dup16(params->input_offset);
    const size_t in_row_stride = (size_t)in_w * (size_t)in_c;
    tp_dw3_layer L;
    int32_t b, oy, ox, i;
    L.p = params;
    L.filter = filter;
    L.off2 = off2;
    L.rq = tp_rq_make(params->output_offset, params->activation_min, params->activation_max);
    L.mode = tp_rq_mode(params->output_shift, bias, in_c, 9, &L.rq);
    for (i = 0; i < 4 * TP_DW3_BLOCKS_MAX; ++i) L.zeros[i] = 0;
    L.bias = bias ? bias : L.zeros;
    L.bias_step = bias ? 1 : 0;
    for (b = 0; b < params->input.n; ++b) {
        const int8_t *in_b = input + (size_t)b * (size_t)in_h * in_row_stride;
        for (oy = 0; oy < params->output.h; ++oy) {
            const int32_t y0 = oy * params->stride_h - params->pad_h;
            int32_t ky_start, ky_end;
            tp_tap_range(y0, 1, 3, in_h, &ky_start, &ky_end);
            for (ox = 0; ox < params->output.w; ++ox, out += in_c) {
                const int32_t x0 = ox * params->stride_w - params->pad_w;
                int32_t kx_start, kx_end;
                tp_tap_range(x0, 1, 3, in_w, &kx_start, &kx_end);
                {
                    const tp_pixel_taps t3 = {y0, ky_start, ky_end, x0, kx_start, kx_end};
                    if (ky_start == 0 && ky_end == 3 && kx_start == 0 && kx_end == 3) {
                        tp_dw3x3_pixel(&L, in_b + (size_t)y0 * in_row_stride + (size_t)x0 * (size_t)in_c,
                                       (int32_t)in_row_stride, out);
                    } else if (!TP_DEPTHWISE_CONV_2D_S8_WIDE || in_c <= TP_DW3_PATCH_C) {
                        tp_dw3x3_border(&L, in_b, &t3, out);
                    } else {
                        /* An empty window (no tap inside the input) as no rows from the input's
                         * start: the blocks' sums are their biases, as in the scalar loop, and
                         * that loop is only needed for channel tails. */
                        const tp_pixel_taps none = {0, 0, 0, 0, 0, 0};
                        const int empty = ky_end <= ky_start || kx_end <= kx_start;
                        dw_window win;
                        dw_window_m1(&win, params, in_b, filter, bias, empty ? &none : &t3);
                        dw_block4_m1(&win, off2, out, in_c / 4);
                    }
                    if (TP_DEPTHWISE_CONV_2D_S8_CHANNEL_TAIL && (in_c & 3) != 0)
                        tp_dwconv_s8_channels(params, in_b, filter, bias, &t3, in_c & ~3, out);
                }
            }
        }
    }
}

tp_status tp_depthwise_conv_2d_s8(const tp_dwconv_s8_params *params, const int8_t *input,
                                  const int8_t *filter, const int32_t *bias, int8_t *output,
                                  void *scratch) {
    const tp_status st = tp_dwconv_s8_check(params, input, filter, output);
    (void)scratch;
    if (st != TP_OK) return st;
    /* The 3x3 path (see above): multiplier 1, dilation 1, at least one 4-channel block. With
     * TP_DEPTHWISE_CONV_2D_S8_ALL_3X3 (tp_config.h) every call is, and the rest drops out. */
    if (TP_DEPTHWISE_CONV_2D_S8_ALL_3X3 ||
        (params->depth_multiplier == 1 && params->filter.h == 3 && params->filter.w == 3 &&
         params->dilation_h == 1 && params->dilation_w == 1 && params->input.c >= 4)) {
        tp_dw3x3_layer(params, input, filter, bias, output);
        return TP_OK;
    }
    {
        const int32_t in_h = params->input.h, in_w = params->input.w, in_c = params->input.c;
        const int32_t k_h = params->filter.h, k_w = params->filter.w;
        const int32_t out_c = params->output.c;
        const int32_t mult = params->depth_multiplier;
        const int32_t dil_h = params->dilation_h, dil_w = params->dilation_w;
        const int32_t off = params->input_offset;
        const uint32_t off2 = tp_dup16(off);
        const size_t in_row_stride = (size_t)in_w * (size_t)in_c;
        const size_t in_tap_stride = (size_t)dil_w * (size_t)in_c; /* next kx in the input */
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
                    c = 0;
                    if (mult == 1 && ky_end > ky_start && kx_end > kx_start) {
                        const tp_pixel_taps t1 = {y0, ky_start, ky_end, x0, kx_start, kx_end};
                        dw_window win;
                        dw_window_m1(&win, params, in_b, filter, bias, &t1);
                        if (in_c >= 4) {
                            dw_block4_m1(&win, off2, out, in_c / 4);
                            c = in_c & ~3;
                        }
                    }
                    if (TP_DEPTHWISE_CONV_2D_S8_MULTIPLIER_GE4 && mult >= 4 && ky_end > ky_start && kx_end > kx_start) {
                        dw_window win;
                        win.rows = ky_end - ky_start;
                        win.taps = kx_end - kx_start;
                        win.px_tap = in_tap_stride;
                        win.px_row = (size_t)dil_h * in_row_stride;
                        win.pw_tap = (size_t)out_c;
                        win.pw_row = (size_t)k_w * (size_t)out_c;
                        win.off = off;
                        win.zo = params->output_offset;
                        win.lo = params->activation_min;
                        win.hi = params->activation_max;
                        for (; c < in_c; ++c) {
                            const int8_t *px = in_b + (size_t)(y0 + dil_h * ky_start) * in_row_stride +
                                               (size_t)(x0 + dil_w * kx_start) * (size_t)in_c + (size_t)c;
                            const int8_t *pw = filter + ((size_t)ky_start * (size_t)k_w + (size_t)kx_start) * (size_t)out_c;
                            int32_t oc = c * mult;
                            const int32_t oc_end = oc + mult;
                            win.px = px;
                            while (oc + 4 <= oc_end) {
                                const int32_t n = oc + 8 <= oc_end ? 8 : 4;
                                win.pw = pw + oc;
                                win.bias = bias ? bias + oc : NULL;
                                win.mul = params->output_multiplier + oc;
                                win.sh = params->output_shift + oc;
                                if (n == 8) dw_block8(&win, out + oc);
                                else dw_block4(&win, out + oc);
                                oc += n;
                            }
                            for (; oc < oc_end; ++oc) {
                                int32_t a = 0, ky2, kx2;
                                for (ky2 = 0; ky2 < win.rows; ++ky2) {
                                    for (kx2 = 0; kx2 < win.taps; ++kx2) {
                                        a += (int32_t)pw[oc + (size_t)ky2 * win.pw_row + (size_t)kx2 * win.pw_tap] *
                                             ((int32_t)px[(size_t)ky2 * win.px_row + (size_t)kx2 * win.px_tap] + off);
                                    }
                                }
                                out[oc] = requant(params, a, bias, oc);
                            }
                        }
                    }
                    if (c < in_c) {
                        const tp_pixel_taps taps = {y0, ky_start, ky_end, x0, kx_start, kx_end};
                        tp_dwconv_s8_channels(params, in_b, filter, bias, &taps, c, out);
                    }
                    out += out_c;
                }
            }
        }
    }
    return TP_OK;
}
