/*
 * Internal to dsp/tp_conv_2d_s8.c: the pointwise (1x1, no padding, no groups) convolution as a
 * register-blocked matrix multiply, out[pixel][oc] = requant(sum_k w[oc][k] * (x[pixel][k] + off)).
 *
 * Pixels go in pairs (the in-place lookahead of 1 in src/plan/overlap.ts). Up to TP_PW_XMAX
 * input channels (issue #14, speed): the pair's input is first expanded once into int16 lanes
 * with the offset added (tp_pw_expand), then blocks of 2 output channels x 2 pixels run
 * tp_pw_blocks_x16 — per 4 input channels one LDM of the pair's 4 words, and per filter row one
 * word split by SXTB16 / SXTB16 ROR #8 into the lanes that match, 8 SMLADs: 15 instructions
 * per 16 MACs. The requantisation is tp_requant_dsp.h's, its form chosen once per layer. Deeper
 * layers keep the older block (tp_pw_pixels2), which splits the input words per block.
 *
 * tp_pw_pixels2: blocks of 2 output channels x 2 pixels: per 4 input bytes, each of the 2 pixel
 * words is split once into its even and odd bytes (SXTAB16 with the offset, or SXTB16 when the
 * code generator folded the offset into the bias), each of the 2 filter words likewise (SXTB16),
 * and the 8 SMLADs pair even with even and odd with odd — every product is one of the
 * reference's and the int32 sums are exact (wrapping like the reference's adds). 20 instructions
 * per 16 MACs; the requantisation is fused into the block, with each channel's multiplier and
 * shift loaded once for both pixels. The bias starts the accumulator (the same int32 sum, added
 * in another order: exact modulo 2^32 like the reference's adds).
 */
#ifndef TP_POINTWISE_S8_H
#define TP_POINTWISE_S8_H

#include "tp_dsp.h"
#include "tp_fixedpoint.h"
#include "tp_kernels.h"
#include "tp_requant_dsp.h"

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

/* Largest input depth whose pixel pair is expanded on the stack (4 * TP_PW_XMAX bytes); deeper
 * layers take tp_pw_pixels2. */
#define TP_PW_XMAX 256

/* The pixel pair's first 4 * steps input channels as int16 lanes with the offset added (exact:
 * |x + off| <= 255), per 4 channels k..k+3 the words {x0: (k, k+2), x0: (k+1, k+3), x1: (k, k+2),
 * x1: (k+1, k+3)} — the lanes SXTB16 / SXTB16 ROR #8 give of a filter word, so each SMLAD pairs
 * equal channels. Done once per pixel pair instead of once per pair of filter rows. */
static void tp_pw_expand(const int8_t *x0, const int8_t *x1, int32_t steps, uint32_t off2,
                         uint32_t *xb) {
    int32_t s;
    for (s = 0; s < steps; ++s) {
        const uint32_t a = tp_read_u32(x0 + 4 * s), b = tp_read_u32(x1 + 4 * s);
        xb[0] = tp_sxtab16(off2, a);
        xb[1] = tp_sxtab16_ror8(off2, a);
        xb[2] = tp_sxtab16(off2, b);
        xb[3] = tp_sxtab16_ror8(off2, b);
        xb += 4;
    }
}

/* Blocks of 2 filter rows (rows 2b, 2b + 1 for b < blocks, rows n bytes apart, 4 * steps bytes
 * each) against the expanded pair xb (pixels 0, 1): acc[4b .. 4b + 3] = {row 2b: pixel 0,
 * pixel 1, row 2b + 1: pixel 0, pixel 1}, each started from its row's bias (bias[2b],
 * bias[2b + 1]). Per 4 channels of a block: one LDM of the pair's 4 words, per row one LDR and
 * two SXTB16, 8 SMLAD — 15 instructions per 16 MACs (the 2x2 loop that splits the input words
 * itself, tp_pw_pixels2, takes 20), 4 steps a turn — and ~20 per block to start, store and
 * step. A naked
 * function: all 14 free registers are named here (4 accumulators, the 4 input words, a row word
 * and its half, xb, w, n, the end of xb), which an asm statement inside a C function cannot
 * reliably get from GCC (see tp_dsp.h); LDM needs its registers in ascending order, which only
 * fixed registers give. The stack arguments (steps, blocks, bias) are the callee's to change
 * (AAPCS): the block count and the bias pointer step there. steps >= 1, blocks >= 1. */
#define TP_PW_BLOCKS_MAX 32 /* blocks per call: acc holds 128 sums; even (packed quads never straddle chunks) */
_Static_assert(TP_PW_BLOCKS_MAX % 2 == 0, "packed filters go in quads of channels within a chunk");
#if TP_DOT4_ASM
#define TP_PW_X16_STEP                                          \
    "ldm    r0!, {r8, r9, r10, r11}\n\t"                        \
    "ldr    r12, [r1, r2]\n\t"                                  \
    "sxtb16 lr, r12\n\t"                                        \
    "smlad  r6, lr, r8, r6\n\t"                                 \
    "smlad  r7, lr, r10, r7\n\t"                                \
    "sxtb16 r12, r12, ror #8\n\t"                               \
    "smlad  r6, r12, r9, r6\n\t"                                \
    "smlad  r7, r12, r11, r7\n\t"                               \
    "ldr    r12, [r1], #4\n\t"                                  \
    "sxtb16 lr, r12\n\t"                                        \
    "smlad  r4, lr, r8, r4\n\t"                                 \
    "smlad  r5, lr, r10, r5\n\t"                                \
    "sxtb16 r12, r12, ror #8\n\t"                               \
    "smlad  r4, r12, r9, r4\n\t"                                \
    "smlad  r5, r12, r11, r5\n\t"
__attribute__((naked, noinline)) static void tp_pw_blocks_x16(const uint32_t *xb __attribute__((unused)),
                                                             const int8_t *w __attribute__((unused)),
                                                             int32_t n __attribute__((unused)),
                                                             int32_t *acc __attribute__((unused)),
                                                             int32_t steps __attribute__((unused)),
                                                             int32_t blocks __attribute__((unused)),
                                                             const int32_t *bias __attribute__((unused))) {
    /* After the push: acc at sp, steps at sp+40, blocks at sp+44, bias at sp+48. */
    __asm__ volatile(
        "push   {r3, r4, r5, r6, r7, r8, r9, r10, r11, lr}\n\t"
        "ldr    r12, [sp, #40]\n\t"
        "add    r3, r0, r12, lsl #4\n"
        "4:\n\t"
        "ldr    r12, [sp, #48]\n\t"
        "ldrd   r4, r6, [r12], #8\n\t"
        "str    r12, [sp, #48]\n\t"
        "mov    r5, r4\n\t"
        "mov    r7, r6\n\t"
        /* steps % 4 single steps first (r12 is a step's temporary: reloaded), then 4 a turn. */
        "ldr    r12, [sp, #40]\n\t"
        "tst    r12, #1\n\t"
        "beq    5f\n\t" TP_PW_X16_STEP
        "ldr    r12, [sp, #40]\n"
        "5:\n\t"
        "tst    r12, #2\n\t"
        "beq    6f\n\t" TP_PW_X16_STEP TP_PW_X16_STEP
        "6:\n\t"
        "cmp    r0, r3\n\t"
        "beq    3f\n"
        "2:\n\t" TP_PW_X16_STEP TP_PW_X16_STEP TP_PW_X16_STEP TP_PW_X16_STEP
        "cmp    r0, r3\n\t"
        "bne    2b\n"
        "3:\n\t"
        "ldr    r12, [sp]\n\t"
        "stm    r12!, {r4, r5, r6, r7}\n\t"
        "str    r12, [sp]\n\t"
        "ldr    r12, [sp, #40]\n\t"
        "sub    r0, r3, r12, lsl #4\n\t"
        "sub    r1, r1, r12, lsl #2\n\t"
        "add    r1, r1, r2, lsl #1\n\t"
        "ldr    r12, [sp, #44]\n\t"
        "subs   r12, r12, #1\n\t"
        "str    r12, [sp, #44]\n\t"
        "bne    4b\n\t"
        "pop    {r3, r4, r5, r6, r7, r8, r9, r10, r11, pc}\n\t");
}
#else
static void tp_pw_blocks_x16(const uint32_t *xb, const int8_t *w, int32_t n, int32_t *acc, int32_t steps,
                             int32_t blocks, const int32_t *bias) {
    int32_t b, s;
    for (b = 0; b < blocks; ++b, w += 2 * n, acc += 4, bias += 2) {
        int32_t a00 = bias[0], a01 = bias[0], a10 = bias[1], a11 = bias[1];
        const uint32_t *x = xb;
        const int8_t *r = w;
        for (s = 0; s < steps; ++s, x += 4, r += 4) {
            const uint32_t w0 = tp_read_u32(r), w1 = tp_read_u32(r + n);
            a00 = tp_smlad(tp_sxtb16_ror8(w0), x[1], tp_smlad(tp_sxtb16(w0), x[0], a00));
            a01 = tp_smlad(tp_sxtb16_ror8(w0), x[3], tp_smlad(tp_sxtb16(w0), x[2], a01));
            a10 = tp_smlad(tp_sxtb16_ror8(w1), x[1], tp_smlad(tp_sxtb16(w1), x[0], a10));
            a11 = tp_smlad(tp_sxtb16_ror8(w1), x[3], tp_smlad(tp_sxtb16(w1), x[2], a11));
        }
        acc[0] = a00, acc[1] = a01, acc[2] = a10, acc[3] = a11;
    }
}
#endif

/* Requantises the pair's sums acc[2c + pixel] of channels c < nc into o0[c], o1[c]; the
 * mode's loop-invariant branch outside the arithmetic (tp_requant_dsp.h). Both outputs are
 * computed before either is stored: an int8 store may alias the multipliers, and GCC reloaded
 * them for the second. */
#define TP_PW_RQ_LOOP(F)                                        \
    do {                                                        \
        while (o0 != end) {                                     \
            const int32_t m_ = *mul++, s_ = *sh++;              \
            const int8_t y0_ = F(acc[0], m_, s_, &o);           \
            const int8_t y1_ = F(acc[1], m_, s_, &o);           \
            acc += 2;                                           \
            *o0++ = y0_;                                        \
            *o1++ = y1_;                                        \
        }                                                       \
    } while (0)
static void tp_pw_requant(const int32_t *acc, const int32_t *mul, const int32_t *sh, int32_t nc,
                          const tp_rq_out *layer, int32_t mode, int8_t *o0, int8_t *o1) {
    const tp_rq_out o = *layer; /* a local: the int8 stores cannot alias it */
    const int8_t *const end = o0 + nc;
    if (TP_RQ_FULL_USED && mode == TP_RQ_FULL) TP_PW_RQ_LOOP(tp_rq_full);
    else if (TP_RQ_RIGHT_USED && mode == TP_RQ_RIGHT) TP_PW_RQ_LOOP(tp_rq_clamped);
    else TP_PW_RQ_LOOP(tp_rq_any);
}
#undef TP_PW_RQ_LOOP

/* What every pixel pair of a layer shares. */
typedef struct {
    const tp_conv_s8_params *p;
    const int8_t *filter;
    const int32_t *bias; /* the layer's, or zeros[] */
    int32_t bias_step;   /* 1 with the layer's bias, 0 with zeros[] (one chunk long) */
    tp_rq_out rq;
    int32_t mode;
    int32_t zeros[2 * TP_PW_BLOCKS_MAX];
} tp_pw_layer;

/* An odd last output channel of both pixels, one dot product each (its filter row is plain in
 * both layouts). */
static void tp_pw_last_channel(const tp_pw_layer *L, const int8_t *x0, const int8_t *x1, int32_t off,
                               int8_t *o0, int8_t *o1) {
    const tp_conv_s8_params *p = L->p;
    const int32_t n = p->input.c, oc = p->output.c - 1;
    const int8_t *w0 = L->filter + (size_t)oc * (size_t)n;
    const int32_t b = L->bias_step ? L->bias[oc] : 0;
    const int32_t m = p->output_multiplier[oc], sh = p->output_shift[oc];
    o0[oc] = tp_rq_any(tp_dot1_s8(x0, w0, n, off, b), m, sh, &L->rq);
    o1[oc] = tp_rq_any(tp_dot1_s8(x1, w0, n, off, b), m, sh, &L->rq);
}

/* Two pixels x0, x1 through the expanded pair: chunks of up to TP_PW_BLOCKS_MAX blocks of 2
 * output channels, the input channels after the last multiple of 4 added in C, then the
 * chunk requantised; an odd last output channel takes tp_dot1_s8. */
static void tp_pw_pair16(const tp_pw_layer *L, const int8_t *x0, const int8_t *x1, int8_t *o0, int8_t *o1) {
    const tp_conv_s8_params *p = L->p;
    uint32_t xb[TP_PW_XMAX];
    int32_t acc[4 * TP_PW_BLOCKS_MAX];
    const int32_t n = p->input.c, out_c = p->output.c, n4 = n & ~3, steps = n >> 2, pairs = out_c >> 1;
    const int32_t off = p->input_offset;
    const int32_t *mul = p->output_multiplier, *sh = p->output_shift;
    int32_t b0, k;
    tp_pw_expand(x0, x1, steps, tp_dup16(off), xb);
    for (b0 = 0; b0 < pairs; b0 += TP_PW_BLOCKS_MAX) {
        const int32_t nb = pairs - b0 < TP_PW_BLOCKS_MAX ? pairs - b0 : TP_PW_BLOCKS_MAX, oc0 = 2 * b0;
        const int8_t *w = L->filter + (size_t)oc0 * (size_t)n;
        if (!TP_CONV_2D_S8_CHANNEL_TAIL || steps > 0) {
            tp_pw_blocks_x16(xb, w, n, acc, steps, nb, L->bias + oc0 * L->bias_step);
        } else {
            int32_t i;
            for (i = 0; i < nb; ++i) {
                acc[4 * i] = acc[4 * i + 1] = L->bias[oc0 * L->bias_step + 2 * i];
                acc[4 * i + 2] = acc[4 * i + 3] = L->bias[oc0 * L->bias_step + 2 * i + 1];
            }
        }
        if (TP_CONV_2D_S8_CHANNEL_TAIL && n4 < n) {
            int32_t c;
            for (c = 0; c < 2 * nb; ++c) {
                const int8_t *wc = w + (size_t)c * (size_t)n;
                for (k = n4; k < n; ++k) {
                    acc[2 * c] += (int32_t)wc[k] * ((int32_t)x0[k] + off);
                    acc[2 * c + 1] += (int32_t)wc[k] * ((int32_t)x1[k] + off);
                }
            }
        }
        tp_pw_requant(acc, mul + oc0, sh + oc0, 2 * nb, &L->rq, L->mode, o0 + oc0, o1 + oc0);
    }
    if (TP_CONV_2D_S8_CHANNEL_TAIL && (out_c & 1) != 0) tp_pw_last_channel(L, x0, x1, off, o0, o1);
}

/* ---- Filters packed in channel pairs (params->pw_pairs; layout in tp_kernels.h). ----------
 * A packed word holds channel 2b's weights (hi) in the high bytes of its halfwords and channel
 * 2b+1's plus 128 (lo) in the low bytes, so with the pixel's int16 lanes x:
 *   SMLAD(word, x)               sums x * (lo + 256 * hi)   (A1)
 *   SMLAD(SXTB16(word ROR 8), x) sums x * hi                (A2)
 * and channel 2b = A2, channel 2b+1 = A1 - 256 * A2 - 128 * S (S: the pixel's input sum), all
 * exact in wrap-around int32. The input offset is 0 (the generator folded it into the bias).
 * Channels go in quads (two pairs whose words interleave): per 2 input lanes of a quad (2 pairs
 * x 2 pixels), the pixel pair's 2 words and the quad's 2 in 4 neighbouring LDRs, two SXTB16, 8
 * SMLAD — 14 instructions and 15 estimated cycles (M4) per 16 MACs (two LDRDs: 12 and 16, a
 * neighbouring LDR costs 1); a last pair of channels
 * runs 2 channels x 2 pixels per 4 input channels, one LDM of the pixel pair's 4 words and an
 * LDRD, 12 instructions but 18 estimated cycles. */

/* The pixel pair's first 4 * steps input channels as int16 lanes, offset 0, per 4 channels
 * k..k+3 the words {x0: (k, k+2), x1: (k, k+2), x0: (k+1, k+3), x1: (k+1, k+3)} (the lanes
 * SXTB16 / SXTB16 ROR #8 give of a packed word, both pixels of one lane side by side for the
 * quads' LDRD), and each pixel's input sum over them. */
#if TP_DOT4_ASM
/* In assembly: GCC 12 interleaved the 4 stores with the arithmetic (2 estimated cycles each
 * instead of 1 when neighbouring) and rebuilt the constant every step; 16 instructions and ~25
 * estimated cycles per step, here 14 and 20. steps >= 1. */
static void tp_pw_expand_sums(const int8_t *x0, const int8_t *x1, int32_t steps, uint32_t *xb, int32_t *sums) {
    const uint32_t ones = 0x00010001u;
    const uint32_t *const end = xb + 4 * steps;
    int32_t s0 = 0, s1 = 0;
    uint32_t a, b, e0, e1;
    __asm__ volatile(
        "1:\n\t"
        "ldr    %[a], [%[x0]], #4\n\t"
        "ldr    %[b], [%[x1]], #4\n\t"
        "sxtb16 %[e0], %[a]\n\t"
        "sxtb16 %[e1], %[b]\n\t"
        "sxtb16 %[a], %[a], ror #8\n\t"
        "sxtb16 %[b], %[b], ror #8\n\t"
        "smlad  %[s0], %[e0], %[ones], %[s0]\n\t"
        "smlad  %[s1], %[e1], %[ones], %[s1]\n\t"
        "smlad  %[s0], %[a], %[ones], %[s0]\n\t"
        "smlad  %[s1], %[b], %[ones], %[s1]\n\t"
        "str    %[e1], [%[xb], #4]\n\t"
        "str    %[a], [%[xb], #8]\n\t"
        "str    %[b], [%[xb], #12]\n\t"
        "str    %[e0], [%[xb]], #16\n\t"
        "cmp    %[xb], %[end]\n\t"
        "bne    1b\n\t"
        : [x0] "+&r"(x0), [x1] "+&r"(x1), [xb] "+&r"(xb), [s0] "+&r"(s0), [s1] "+&r"(s1), [a] "=&r"(a),
          [b] "=&r"(b), [e0] "=&r"(e0), [e1] "=&r"(e1)
        : [ones] "r"(ones), [end] "r"(end)
        : "cc", "memory");
    sums[0] = s0;
    sums[1] = s1;
}
#else
static void tp_pw_expand_sums(const int8_t *x0, const int8_t *x1, int32_t steps, uint32_t *xb, int32_t *sums) {
    const uint32_t ones = 0x00010001u;
    int32_t s, s0 = 0, s1 = 0;
    for (s = 0; s < steps; ++s) {
        const uint32_t a = tp_read_u32(x0 + 4 * s), b = tp_read_u32(x1 + 4 * s);
        xb[0] = tp_sxtb16(a);
        xb[1] = tp_sxtb16(b);
        xb[2] = tp_sxtb16_ror8(a);
        xb[3] = tp_sxtb16_ror8(b);
        s0 = tp_smlad(xb[2], ones, tp_smlad(xb[0], ones, s0));
        s1 = tp_smlad(xb[3], ones, tp_smlad(xb[1], ones, s1));
        xb += 4;
    }
    sums[0] = s0;
    sums[1] = s1;
}
#endif

/* Blocks of 2 channels against the expanded pair xb: acc[4b .. 4b + 3] = {A1 pixel 0, A1
 * pixel 1, A2 pixel 0, A2 pixel 1} of block b, the A1 sums from the values acc[4b], acc[4b + 1]
 * hold on entry (the caller's -128 * S of each pixel), the A2 sums from 0; w walks the packed blocks in order (8
 * bytes per 4 input channels). Naked, with every register named, as tp_pw_blocks_x16 (LDM
 * needs ascending fixed registers): r0 xb, r1 w, r2 acc, r3 the end of xb, r4-r7 the sums,
 * r8-r11 the pair's words, r12/lr the block's words. steps >= 1, blocks >= 1 (on the stack).
 * Only a layer's last pair of channels (output.c % 4 >= 2) runs here; quads run
 * tp_pw_quads_x16. */
#if TP_DOT4_ASM
#define TP_PW_PAIRS_STEP                                        \
    "ldm    r0!, {r8, r9, r10, r11}\n\t"                        \
    "ldrd   r12, lr, [r1], #8\n\t"                              \
    "smlad  r4, r12, r8, r4\n\t"                                \
    "smlad  r5, r12, r9, r5\n\t"                                \
    "sxtb16 r12, r12, ror #8\n\t"                               \
    "smlad  r6, r12, r8, r6\n\t"                                \
    "smlad  r7, r12, r9, r7\n\t"                                \
    "smlad  r4, lr, r10, r4\n\t"                                \
    "smlad  r5, lr, r11, r5\n\t"                                \
    "sxtb16 lr, lr, ror #8\n\t"                                 \
    "smlad  r6, lr, r10, r6\n\t"                                \
    "smlad  r7, lr, r11, r7\n\t"
__attribute__((naked, noinline)) static void tp_pw_pairs_x16(const uint32_t *xb __attribute__((unused)),
                                                            const int8_t *w __attribute__((unused)),
                                                            int32_t *acc __attribute__((unused)),
                                                            int32_t steps __attribute__((unused)),
                                                            int32_t blocks __attribute__((unused))) {
    /* After the push: steps at sp, blocks at sp+40. */
    __asm__ volatile(
        "push   {r3, r4, r5, r6, r7, r8, r9, r10, r11, lr}\n\t"
        "add    r3, r0, r3, lsl #4\n"
        "4:\n\t"
        "ldrd   r4, r5, [r2]\n\t"
        "mov    r6, #0\n\t"
        "mov    r7, #0\n\t"
        /* steps % 4 single steps first (r12 is a step's temporary: reloaded), then 4 a turn. */
        "ldr    r12, [sp]\n\t"
        "tst    r12, #1\n\t"
        "beq    5f\n\t" TP_PW_PAIRS_STEP
        "ldr    r12, [sp]\n"
        "5:\n\t"
        "tst    r12, #2\n\t"
        "beq    6f\n\t" TP_PW_PAIRS_STEP TP_PW_PAIRS_STEP
        "6:\n\t"
        "cmp    r0, r3\n\t"
        "beq    3f\n"
        "2:\n\t" TP_PW_PAIRS_STEP TP_PW_PAIRS_STEP TP_PW_PAIRS_STEP TP_PW_PAIRS_STEP
        "cmp    r0, r3\n\t"
        "bne    2b\n"
        "3:\n\t"
        "stm    r2!, {r4, r5, r6, r7}\n\t"
        "ldr    r12, [sp]\n\t"
        "sub    r0, r3, r12, lsl #4\n\t"
        "ldr    r12, [sp, #40]\n\t"
        "subs   r12, r12, #1\n\t"
        "str    r12, [sp, #40]\n\t"
        "bne    4b\n\t"
        "pop    {r3, r4, r5, r6, r7, r8, r9, r10, r11, pc}\n\t");
}
#else
static void tp_pw_pairs_x16(const uint32_t *xb, const int8_t *w, int32_t *acc, int32_t steps, int32_t blocks) {
    int32_t b, s;
    for (b = 0; b < blocks; ++b, acc += 4) {
        int32_t a10 = acc[0], a11 = acc[1], a20 = 0, a21 = 0;
        const uint32_t *x = xb;
        for (s = 0; s < steps; ++s, x += 4, w += 8) {
            const uint32_t e = tp_read_u32(w), o = tp_read_u32(w + 4);
            a10 = tp_smlad(o, x[2], tp_smlad(e, x[0], a10));
            a11 = tp_smlad(o, x[3], tp_smlad(e, x[1], a11));
            a20 = tp_smlad(tp_sxtb16_ror8(o), x[2], tp_smlad(tp_sxtb16_ror8(e), x[0], a20));
            a21 = tp_smlad(tp_sxtb16_ror8(o), x[3], tp_smlad(tp_sxtb16_ror8(e), x[1], a21));
        }
        acc[0] = a10, acc[1] = a11, acc[2] = a20, acc[3] = a21;
    }
}
#endif

/* Quads of channels (pairs 2q, 2q + 1) against the expanded pair xb: acc[8q .. 8q + 7] =
 * {pair 2q: A1 pixel 0, A1 pixel 1, A2 pixel 0, A2 pixel 1; pair 2q + 1: the same}, the layout
 * of two tp_pw_pairs_x16 blocks, from 0; w walks the quads in order (16 bytes per 4 input
 * channels: {pair 2q lanes (k, k+2), pair 2q+1 lanes (k, k+2), pair 2q lanes (k+1, k+3), pair
 * 2q+1 lanes (k+1, k+3)}), the A1 sums (of both pairs) from the values acc[0], acc[1] hold
 * on entry (the caller's -128 * S of each pixel), the A2 sums from 0. A lane step is the same
 * 14 instructions for either side of the lanes, so the loop runs 8 of them a turn and is entered part-way for the remainder (lanes is
 * even: a multiple of 2, 4 or 6 left enters 2, 4 or 6 steps before the loop's end). Naked,
 * every register named: r0 xb, r1 w, r2-r9 the 8 sums, r10/r11 the pixel pair's lane words,
 * r12/lr the quad's; the A1 starting sums, acc, lanes and the end of xb wait on the stack.
 * lanes = 2 * steps >= 2, quads >= 1 (on the stack). */
#if TP_DOT4_ASM
#define TP_PW_QUAD_LANE                                         \
    "ldr    r11, [r0, #4]\n\t"                                  \
    "ldr    r10, [r0], #8\n\t"                                  \
    "ldr    lr, [r1, #4]\n\t"                                   \
    "ldr    r12, [r1], #8\n\t"                                  \
    "smlad  r2, r12, r10, r2\n\t"                               \
    "smlad  r3, r12, r11, r3\n\t"                               \
    "sxtb16 r12, r12, ror #8\n\t"                               \
    "smlad  r4, r12, r10, r4\n\t"                               \
    "smlad  r5, r12, r11, r5\n\t"                               \
    "smlad  r6, lr, r10, r6\n\t"                                \
    "smlad  r7, lr, r11, r7\n\t"                                \
    "sxtb16 lr, lr, ror #8\n\t"                                 \
    "smlad  r8, lr, r10, r8\n\t"                                \
    "smlad  r9, lr, r11, r9\n\t"
__attribute__((naked, noinline)) static void tp_pw_quads_x16(const uint32_t *xb __attribute__((unused)),
                                                            const int8_t *w __attribute__((unused)),
                                                            int32_t *acc __attribute__((unused)),
                                                            int32_t lanes __attribute__((unused)),
                                                            int32_t quads __attribute__((unused))) {
    /* After the push: the A1 starting sums at sp and sp+4 (over the saved r0, r1), acc at sp+8,
     * lanes at sp+12, the end of xb at sp+48, quads at sp+56. */
    __asm__ volatile(
        "add    r12, r0, r3, lsl #3\n\t"
        "push   {r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, r11, r12, lr}\n\t"
        "ldrd   r4, r5, [r2]\n\t"
        "strd   r4, r5, [sp]\n"
        "4:\n\t"
        "ldrd   r2, r3, [sp]\n\t"
        "mov    r6, r2\n\t"
        "mov    r7, r3\n\t"
        "movs   r4, #0\n\t"
        "movs   r5, #0\n\t"
        "mov    r8, #0\n\t"
        "mov    r9, #0\n\t"
        /* lanes % 8 (even): bit 2 into C, bit 1 into N. */
        "ldr    r12, [sp, #12]\n\t"
        "lsls   r12, r12, #30\n\t"
        "bcc    7f\n\t"
        "bmi    6f\n\t"
        "b      5f\n"
        "7:\n\t"
        "bmi    8f\n"
        "2:\n\t" TP_PW_QUAD_LANE TP_PW_QUAD_LANE
        "6:\n\t" TP_PW_QUAD_LANE TP_PW_QUAD_LANE
        "5:\n\t" TP_PW_QUAD_LANE TP_PW_QUAD_LANE
        "8:\n\t" TP_PW_QUAD_LANE TP_PW_QUAD_LANE
        "ldr    r12, [sp, #48]\n\t"
        "cmp    r0, r12\n\t"
        "bne    2b\n\t"
        "ldr    r12, [sp, #8]\n\t"
        "stm    r12!, {r2, r3, r4, r5, r6, r7, r8, r9}\n\t"
        "str    r12, [sp, #8]\n\t"
        "ldr    r12, [sp, #12]\n\t"
        "sub    r0, r0, r12, lsl #3\n\t"
        "ldr    r12, [sp, #56]\n\t"
        "subs   r12, r12, #1\n\t"
        "str    r12, [sp, #56]\n\t"
        "bne    4b\n\t"
        "pop    {r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, r11, r12, pc}\n\t");
}
#else
static void tp_pw_quads_x16(const uint32_t *xb, const int8_t *w, int32_t *acc, int32_t lanes, int32_t quads) {
    const int32_t i0 = acc[0], i1 = acc[1];
    int32_t q, s;
    for (q = 0; q < quads; ++q, acc += 8) {
        int32_t a[8] = {i0, i1, 0, 0, i0, i1, 0, 0};
        const uint32_t *x = xb;
        for (s = 0; s < lanes; ++s, x += 2, w += 8) {
            const uint32_t wa = tp_read_u32(w), wb = tp_read_u32(w + 4);
            const uint32_t ha = tp_sxtb16_ror8(wa), hb = tp_sxtb16_ror8(wb);
            a[0] = tp_smlad(wa, x[0], a[0]);
            a[1] = tp_smlad(wa, x[1], a[1]);
            a[2] = tp_smlad(ha, x[0], a[2]);
            a[3] = tp_smlad(ha, x[1], a[3]);
            a[4] = tp_smlad(wb, x[0], a[4]);
            a[5] = tp_smlad(wb, x[1], a[5]);
            a[6] = tp_smlad(hb, x[0], a[6]);
            a[7] = tp_smlad(hb, x[1], a[7]);
        }
        for (s = 0; s < 8; ++s) acc[s] = a[s];
    }
}
#endif

/* The packed blocks' sums acc[4b .. 4b + 3] (A1, A2 of both pixels) of blocks b < nb turned
 * into their two channels with the bias (bias[2b], bias[2b + 1]) and requantised straight into
 * o0, o1, one pass: channel 2b = bias + A2, channel 2b+1 = bias + A1 - 256 * A2 (the A1 sums
 * started from -128 * S, S the pixel's input sum), wrap-around int32. The mode's branch is outside the arithmetic
 * (tp_requant_dsp.h); all four outputs are computed before any is stored (an int8 store may
 * alias the multipliers). */
#define TP_PW_PAIRS_RQ_LOOP(F)                                                  \
    do {                                                                        \
        for (; acc != end; acc += 4, bias += 2, mul += 2, sh += 2) {            \
            const uint32_t a10 = (uint32_t)acc[0], a11 = (uint32_t)acc[1];      \
            const uint32_t a20 = (uint32_t)acc[2], a21 = (uint32_t)acc[3];      \
            const uint32_t bh = (uint32_t)bias[0], bl = (uint32_t)bias[1];      \
            const int32_t m0 = mul[0], h0 = sh[0], m1 = mul[1], h1 = sh[1];     \
            const int8_t y00 = F((int32_t)(bh + a20), m0, h0, &o);              \
            const int8_t y01 = F((int32_t)(bh + a21), m0, h0, &o);              \
            const int8_t y10 = F((int32_t)(bl + a10 - (a20 << 8)), m1, h1, &o); \
            const int8_t y11 = F((int32_t)(bl + a11 - (a21 << 8)), m1, h1, &o); \
            o0[0] = y00;                                                        \
            o0[1] = y10;                                                        \
            o1[0] = y01;                                                        \
            o1[1] = y11;                                                        \
            o0 += 2;                                                            \
            o1 += 2;                                                            \
        }                                                                       \
    } while (0)
static __attribute__((noinline)) void tp_pw_pairs_requant(const int32_t *acc, int32_t nb, const int32_t *bias,
                                const int32_t *mul, const int32_t *sh, const tp_rq_out *layer, int32_t mode,
                                int8_t *o0, int8_t *o1) {
    const tp_rq_out o = *layer; /* a local: the int8 stores cannot alias it */
    const int32_t *const end = acc + 4 * nb;
    if (TP_RQ_FULL_USED && mode == TP_RQ_FULL) TP_PW_PAIRS_RQ_LOOP(tp_rq_full);
    else if (TP_RQ_RIGHT_USED && mode == TP_RQ_RIGHT) TP_PW_PAIRS_RQ_LOOP(tp_rq_clamped);
    else TP_PW_PAIRS_RQ_LOOP(tp_rq_any);
}
#undef TP_PW_PAIRS_RQ_LOOP

/* tp_pw_pair16 for a packed filter: the same chunks (an even number of blocks but the last),
 * their quads then a last pair, requantised by tp_pw_pairs_requant; an odd last channel's
 * plain row takes tp_dot1_s8. */
static void tp_pw_pairs16(const tp_pw_layer *L, const int8_t *x0, const int8_t *x1, int8_t *o0, int8_t *o1) {
    const tp_conv_s8_params *p = L->p;
    uint32_t xb[TP_PW_XMAX];
    int32_t acc[4 * TP_PW_BLOCKS_MAX], sums[2];
    const int32_t n = p->input.c, out_c = p->output.c, steps = n >> 2, pairs = out_c >> 1;
    const int32_t *mul = p->output_multiplier, *sh = p->output_shift;
    int32_t b0;
    tp_pw_expand_sums(x0, x1, steps, xb, sums);
    {
        const uint32_t s0 = (uint32_t)sums[0] << 7, s1 = (uint32_t)sums[1] << 7;
        for (b0 = 0; b0 < pairs; b0 += TP_PW_BLOCKS_MAX) {
            const int32_t nb = pairs - b0 < TP_PW_BLOCKS_MAX ? pairs - b0 : TP_PW_BLOCKS_MAX, oc0 = 2 * b0;
            /* Without a bias: zeros[], one chunk long. */
            const int32_t *bias = L->bias_step ? L->bias + oc0 : L->zeros;
            const int8_t *w = L->filter + (size_t)oc0 * (size_t)n;
            const int32_t nq = nb >> 1;
            acc[0] = (int32_t)(0u - s0);
            acc[1] = (int32_t)(0u - s1);
            if (nq > 0) tp_pw_quads_x16(xb, w, acc, 2 * steps, nq);
            if (TP_CONV_2D_S8_PW_LAST_PAIR && (nb & 1) != 0) {
                acc[8 * nq] = (int32_t)(0u - s0);
                acc[8 * nq + 1] = (int32_t)(0u - s1);
                tp_pw_pairs_x16(xb, w + (size_t)nq * 4u * (size_t)n, acc + 8 * nq, steps, 1);
            }
            tp_pw_pairs_requant(acc, nb, bias, mul + oc0, sh + oc0, &L->rq, L->mode, o0 + oc0, o1 + oc0);
        }
    }
    if ((out_c & 1) != 0) tp_pw_last_channel(L, x0, x1, 0, o0, o1);
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
static TP_NO_LIBCALL_LOOPS void tp_pointwise_s8(const tp_conv_s8_params *p, const int8_t *input, const int8_t *filter,
                            const int32_t *bias, int8_t *output) {
    const int32_t pixels = p->output.n * p->output.h * p->output.w;
    const int32_t in_c = p->input.c, out_c = p->output.c;
    const int dense = p->stride_h == 1 && p->stride_w == 1;
    tp_pw_layer L;
    int32_t i;
    L.p = p;
    L.filter = filter;
    L.rq = tp_rq_make(p->output_offset, p->activation_min, p->activation_max);
    L.mode = tp_rq_mode(p->output_shift, bias, out_c, in_c, &L.rq);
    for (i = 0; i < 2 * TP_PW_BLOCKS_MAX; ++i) L.zeros[i] = 0;
    L.bias = bias ? bias : L.zeros;
    L.bias_step = bias ? 1 : 0;
    for (i = 0; i < pixels; i += 2) {
        const int32_t j = i + 1 < pixels ? i + 1 : i;
        const int8_t *x0 = dense ? input + (size_t)i * (size_t)in_c : tp_pw_src(p, input, i);
        const int8_t *x1 = dense ? input + (size_t)j * (size_t)in_c : tp_pw_src(p, input, j);
        if (TP_CONV_2D_S8_PW_PAIRS && (p->pw_pairs || !TP_CONV_2D_S8_PW_ROW_MAJOR)) {
            /* (the kernel's entry has checked that a call without pw_pairs is not here when
             * TP_CONV_2D_S8_PW_ROW_MAJOR is 0) */
            tp_pw_pairs16(&L, x0, x1, output + (size_t)i * (size_t)out_c, output + (size_t)j * (size_t)out_c);
        } else if (!TP_CONV_2D_S8_DEEP || in_c <= TP_PW_XMAX) {
            tp_pw_pair16(&L, x0, x1, output + (size_t)i * (size_t)out_c, output + (size_t)j * (size_t)out_c);
        } else {
            tp_pw_pixels2(p, x0, x1, filter, bias, output + (size_t)i * (size_t)out_c,
                          output + (size_t)j * (size_t)out_c);
        }
    }
}

#endif /* TP_POINTWISE_S8_H */
