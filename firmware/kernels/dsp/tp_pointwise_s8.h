/*
 * Internal to dsp/tp_conv_2d_s8.c: the pointwise (1x1, no padding, no groups) convolution as a
 * register-blocked matrix multiply, out[pixel][oc] = requant(sum_k w[oc][k] * (x[pixel][k] + off)).
 *
 * Blocks of 2 output channels x 2 pixels: per 4 input bytes, each of the 2 pixel words is split
 * once into its even and odd bytes (SXTAB16 with the offset, or SXTB16 when the code generator
 * folded the offset into the bias), each of the 2 filter words likewise (SXTB16), and the 8
 * SMLADs pair even with even and odd with odd — every product is one of the reference's and
 * the int32 sums are exact (wrapping like the reference's adds). 20 instructions per 16 MACs
 * against 23 for one pixel and 4 rows; and the requantisation is fused into the block, with each
 * channel's multiplier and shift loaded once for both pixels. The bias starts the accumulator
 * (the same int32 sum, added in another order: exact modulo 2^32 like the reference's adds).
 */
#ifndef TP_POINTWISE_S8_H
#define TP_POINTWISE_S8_H

#include "tp_dsp.h"
#include "tp_fixedpoint.h"
#include "tp_kernels.h"

/* One requantised output from an accumulator (bias included). */
static inline int8_t tp_pw_out(int32_t acc, int32_t mul, int32_t sh, int32_t zo, int32_t lo,
                               int32_t hi) {
    return (int8_t)tp_clamp_i32(tp_dsp_mbqm(acc, mul, sh) + zo, lo, hi);
}

/* One filter row's word against both pixels' split words. */
#define TP_PW_ROW(W, A0, A1)                                            \
    do {                                                                \
        const uint32_t ww = tp_read_u32((W) + k);                       \
        uint32_t t = tp_sxtb16(ww);                                     \
        A0 = tp_smlad(t, x0e, A0);                                      \
        A1 = tp_smlad(t, x1e, A1);                                      \
        t = tp_sxtb16_ror8(ww);                                         \
        A0 = tp_smlad(t, x0o, A0);                                      \
        A1 = tp_smlad(t, x1o, A1);                                      \
    } while (0)

/* The 2x2 block's 4-byte step; XE/XO split the input word xw into (even, odd) lanes. */
#define TP_PW_STEP2X2(XE, XO)                                           \
    do {                                                                \
        uint32_t xw = tp_read_u32(x0 + k);                              \
        const uint32_t x0e = XE, x0o = XO;                              \
        xw = tp_read_u32(x1 + k);                                       \
        {                                                               \
            const uint32_t x1e = XE, x1o = XO;                          \
            TP_PW_ROW(w0, a00, a01);                                    \
            TP_PW_ROW(w1, a10, a11);                                    \
        }                                                               \
    } while (0)

/* The 2x2 loop in assembly for two pixels n bytes apart (x1 = x0 + n, as the filter's rows
 * are: one register offset serves both), 8 input bytes per iteration. 13 registers; GCC 12's C
 * for the same loop spilled accumulators on every step (2.3 instructions per MAC instead of
 * 1.41 with the offset, 1.34 without). n8 = bytes, a positive multiple of 8. Only with TP_DOT4_ASM (see tp_dsp.h). */
#if TP_DOT4_ASM
/* Each pixel word split into even/odd int16 lanes: SXTB16, or SXTAB16 adding the offset pair
 * (reloaded into t, free at that point). */
#define TP_PW_ASM_LOADX                                               \
    "ldr    %[x1o], [%[x], %[k]]\n\t"                                 \
    "ldr    %[x0o], [%[x]], #4\n\t"
#define TP_PW_ASM_SPLIT0                                              \
    TP_PW_ASM_LOADX                                                   \
    "sxtb16 %[x0e], %[x0o]\n\t"                                      \
    "sxtb16 %[x0o], %[x0o], ror #8\n\t"                              \
    "sxtb16 %[x1e], %[x1o]\n\t"                                      \
    "sxtb16 %[x1o], %[x1o], ror #8\n\t"
#define TP_PW_ASM_SPLITOFF                                            \
    TP_PW_ASM_LOADX                                                   \
    "ldr    %[t], %[off]\n\t"                                        \
    "sxtab16 %[x0e], %[t], %[x0o]\n\t"                               \
    "sxtab16 %[x0o], %[t], %[x0o], ror #8\n\t"                       \
    "sxtab16 %[x1e], %[t], %[x1o]\n\t"                               \
    "sxtab16 %[x1o], %[t], %[x1o], ror #8\n\t"
#define TP_PW_ASM_ROWS                                                \
    "ldr    %[ww], [%[w], %[k]]\n\t"                                  \
    "sxtb16 %[t], %[ww]\n\t"                                          \
    "smlad  %[a10], %[t], %[x0e], %[a10]\n\t"                         \
    "smlad  %[a11], %[t], %[x1e], %[a11]\n\t"                         \
    "sxtb16 %[ww], %[ww], ror #8\n\t"                                 \
    "smlad  %[a10], %[ww], %[x0o], %[a10]\n\t"                        \
    "smlad  %[a11], %[ww], %[x1o], %[a11]\n\t"                        \
    "ldr    %[ww], [%[w]], #4\n\t"                                    \
    "sxtb16 %[t], %[ww]\n\t"                                          \
    "smlad  %[a00], %[t], %[x0e], %[a00]\n\t"                         \
    "smlad  %[a01], %[t], %[x1e], %[a01]\n\t"                         \
    "sxtb16 %[ww], %[ww], ror #8\n\t"                                 \
    "smlad  %[a00], %[ww], %[x0o], %[a00]\n\t"                        \
    "smlad  %[a01], %[ww], %[x1o], %[a01]\n\t"
#define TP_PW_ASM_OPERANDS                                                                  \
    : [x] "+&r"(x), [w] "+&r"(w), [a00] "+&r"(a[0]), [a01] "+&r"(a[1]), [a10] "+&r"(a[2]),  \
      [a11] "+&r"(a[3]), [x0e] "=&r"(x0e), [x0o] "=&r"(x0o), [x1e] "=&r"(x1e),              \
      [x1o] "=&r"(x1o), [ww] "=&r"(ww), [t] "=&r"(t)                                        \
    : [k] "r"(n), [xend] "m"(x_end), [off] "m"(off2)                                        \
    : "cc", "memory"
/* a = {a00, a01, a10, a11}: rows w0, w0 + n against pixels x0, x0 + n. */
static inline void tp_pw_2x2_asm(const int8_t *x, const int8_t *w, int32_t n, int32_t n8,
                                 uint32_t off2, int32_t *a) {
    const int8_t *x_end = x + n8;
    uint32_t x0e, x0o, x1e, x1o, ww, t;
    if (off2 == 0) {
        __asm__ volatile("1:\n\t" TP_PW_ASM_SPLIT0 TP_PW_ASM_ROWS
                             TP_PW_ASM_SPLIT0 TP_PW_ASM_ROWS
                         "ldr    %[t], %[xend]\n\t"
                         "cmp    %[x], %[t]\n\t"
                         "bne    1b\n\t" TP_PW_ASM_OPERANDS);
    } else {
        __asm__ volatile("1:\n\t" TP_PW_ASM_SPLITOFF TP_PW_ASM_ROWS
                             TP_PW_ASM_SPLITOFF TP_PW_ASM_ROWS
                         "ldr    %[t], %[xend]\n\t"
                         "cmp    %[x], %[t]\n\t"
                         "bne    1b\n\t" TP_PW_ASM_OPERANDS);
    }
}
#endif

/* Two pixels x0, x1 (n input channels each) into o0, o1 (out_c channels each). */
static void tp_pw_pixels2(const tp_conv_s8_params *p, const int8_t *x0, const int8_t *x1,
                          const int8_t *filter, const int32_t *bias, int8_t *o0, int8_t *o1) {
    const int32_t n = p->input.c, out_c = p->output.c, n4 = n & ~3;
    const int32_t off = p->input_offset, zo = p->output_offset;
    const int32_t lo = p->activation_min, hi = p->activation_max;
    const uint32_t off2 = tp_dup16(off);
    int32_t oc, k;
    for (oc = 0; oc + 2 <= out_c; oc += 2) {
        const int8_t *w0 = filter + (size_t)oc * (size_t)n, *w1 = w0 + n;
        const int32_t b0 = bias ? bias[oc] : 0, b1 = bias ? bias[oc + 1] : 0;
        int32_t a00 = b0, a01 = b0, a10 = b1, a11 = b1;
        k = 0;
#if TP_DOT4_ASM
        const int32_t n8 = n & ~7;
        if (n8 > 0 && x1 == x0 + n) {
            int32_t a[4];
            a[0] = a00, a[1] = a01, a[2] = a10, a[3] = a11;
            tp_pw_2x2_asm(x0, w0, n, n8, off2, a);
            a00 = a[0], a01 = a[1], a10 = a[2], a11 = a[3];
            k = n8;
        }
#endif
        if (off == 0) {
            for (; k < n4; k += 4) TP_PW_STEP2X2(tp_sxtb16(xw), tp_sxtb16_ror8(xw));
        } else {
            for (; k < n4; k += 4) TP_PW_STEP2X2(tp_sxtab16(off2, xw), tp_sxtab16_ror8(off2, xw));
        }
        for (k = n4; k < n; ++k) {
            const int32_t v0 = (int32_t)x0[k] + off, v1 = (int32_t)x1[k] + off;
            a00 += (int32_t)w0[k] * v0;
            a01 += (int32_t)w0[k] * v1;
            a10 += (int32_t)w1[k] * v0;
            a11 += (int32_t)w1[k] * v1;
        }
        {
            const int32_t m0 = p->output_multiplier[oc], s0 = p->output_shift[oc];
            const int32_t m1 = p->output_multiplier[oc + 1], s1 = p->output_shift[oc + 1];
            o0[oc] = tp_pw_out(a00, m0, s0, zo, lo, hi);
            o1[oc] = tp_pw_out(a01, m0, s0, zo, lo, hi);
            o0[oc + 1] = tp_pw_out(a10, m1, s1, zo, lo, hi);
            o1[oc + 1] = tp_pw_out(a11, m1, s1, zo, lo, hi);
        }
    }
    if (oc < out_c) {
        const int8_t *w0 = filter + (size_t)oc * (size_t)n;
        const int32_t b0 = bias ? bias[oc] : 0;
        const int32_t a00 = tp_dot1_s8(x0, w0, n, off, b0), a01 = tp_dot1_s8(x1, w0, n, off, b0);
        const int32_t m0 = p->output_multiplier[oc], s0 = p->output_shift[oc];
        o0[oc] = tp_pw_out(a00, m0, s0, zo, lo, hi);
        o1[oc] = tp_pw_out(a01, m0, s0, zo, lo, hi);
    }
}

/* The input pixel of output pixel i (row-major over batch, out_h, out_w). */
static inline const int8_t *tp_pw_src(const tp_conv_s8_params *p, const int8_t *input, int32_t i) {
    const int32_t ow = p->output.w, oh = p->output.h;
    const int32_t ox = i % ow, rest = i / ow, oy = rest % oh, b = rest / oh;
    const size_t y = (size_t)b * (size_t)p->input.h + (size_t)(oy * p->stride_h);
    return input + (y * (size_t)p->input.w + (size_t)(ox * p->stride_w)) * (size_t)p->input.c;
}

/* The whole layer: pixels in pairs (an odd last pixel pairs with itself, its output written
 * twice with the same bytes). With stride 1 the input pixels are the output pixels. */
static void tp_pointwise_s8(const tp_conv_s8_params *p, const int8_t *input, const int8_t *filter,
                            const int32_t *bias, int8_t *output) {
    const int32_t pixels = p->output.n * p->output.h * p->output.w;
    const int32_t in_c = p->input.c, out_c = p->output.c;
    const int dense = p->stride_h == 1 && p->stride_w == 1;
    int32_t i;
    for (i = 0; i < pixels; i += 2) {
        const int32_t j = i + 1 < pixels ? i + 1 : i;
        const int8_t *x0 = dense ? input + (size_t)i * (size_t)in_c : tp_pw_src(p, input, i);
        const int8_t *x1 = dense ? input + (size_t)j * (size_t)in_c : tp_pw_src(p, input, j);
        tp_pw_pixels2(p, x0, x1, filter, bias, output + (size_t)i * (size_t)out_c,
                      output + (size_t)j * (size_t)out_c);
    }
}

#endif /* TP_POINTWISE_S8_H */
