/*
 * CONV_2D, int8, small filter patches — DSP-extension variant (Cortex-M4/M7/M33, and M55),
 * bit-identical to the plain tp_conv_2d_s8 (issues #13, #14).
 *
 * A first layer (C_in = 1..4, a 3x3, 10x4 or 10x8 filter) has patches of 9..128 taps: the generic
 * kernel spends more on per-row setup, on the int8 -> int16 split of every weight word and
 * on the requantisation than on its multiplies (~11 instructions per MAC on mnist-dscnn's
 * 28x28x1 -> 16 layer). Here, per output pixel:
 *  - the patch is gathered once into a byte buffer in tap order, each filter row's taps that
 *    fall inside the input copied from the input row a word at a time (at the border the
 *    buffer is first filled with the input zero point), and each word split into int16 pairs
 *    with the input offset added (two SXTAB16; exact, as |x + off| <= 383): pair 2i = taps
 *    (4i, 4i+2), pair 2i+1 = taps (4i+1, 4i+3);
 *  - the weights are already int16 pairs in that order, doubled, laid out by the code
 *    generator (tp_kernels.h), so each pair of MACs is one word load and one SMLAD into
 *    2 * acc, and a block of 4 output channels shares every patch load;
 *  - requantisation uses the facts the generator checked (shift <= -1, |acc| < 2^30):
 *    tflite's doubling high multiply (a * m + 2^30) >> 31 is SMMULR(2a, m) (= (2am + 2^31)
 *    >> 32), and its rounding division by 2^right (right >= 1) plus the output offset is
 *    (r + 2^(right-1) + offset * 2^right + (r < 0 ? -1 : 0)) >> right, with no overflow;
 *    the constant term comes from the generator's table, so SMMLAR adds it.
 * The sums are the reference's products added in another order (exact int32).
 */
#include "../tp_kernel_checks.h"
#include "tp_dsp.h"
#include "tp_kernels.h"

/* acc + ((a * b + 2^31) >> 32) (SMMLAR: the rounded high word of the product, accumulated,
 * modulo 2^32); v saturated to int8. */
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP && !defined(TP_DSP_EMULATE)
static inline int32_t smmlar(int32_t a, int32_t b, int32_t acc) {
    int32_t r;
    __asm__("smmlar %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
    return r;
}
static inline int32_t sat8(int32_t v) { return __ssat(v, 8); }
#else
static inline int32_t smmlar(int32_t a, int32_t b, int32_t acc) {
    return (int32_t)((uint32_t)acc + (uint32_t)(int32_t)(((int64_t)a * (int64_t)b + ((int64_t)1 << 31)) >> 32));
}
static inline int32_t sat8(int32_t v) { return v < -128 ? -128 : v > 127 ? 127 : v; }
#endif

/* Pairs of the largest patch, and its bytes rounded up to whole words. */
#define MAX_PAIRS (TP_CONV_SMALL_MAX_PATCH / 2 + 2)
#define MAX_WORDS (TP_CONV_SMALL_MAX_PATCH / 4 + 1)

/* tp_mbqm(a, mult, shift) + output offset, clamped, from acc2 = 2a (see the top): SMMLAR
 * gives 2^(right-1) + offset * 2^right + SRDHM(a, mult); adding -1 for a negative a (where
 * SRDHM is negative or 0, and at 0 both round the same) and shifting right by `right` is
 * RoundingDivideByPOT plus the offset. full: the activation range is all of int8 (SSAT). */
static inline int8_t requant(int32_t acc2, const tp_conv_small_requant *q, int32_t act_min, int32_t act_max,
                             int full) {
    int32_t v = (smmlar(acc2, q->multiplier, q->round_off) + (acc2 >> 31)) >> q->right;
    if (full) return (int8_t)sat8(v);
    if (v < act_min) v = act_min;
    if (v > act_max) v = act_max;
    return (int8_t)v;
}

/* The block loop of pixel_channels in assembly (LDRD with post-increment, 15 instructions for
 * 16 MACs): GCC splits the LDRDs of the C form into single loads under LTO. */
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP && !defined(TP_DSP_EMULATE)
#define TP_SMALL_ASM 1
#else
#define TP_SMALL_ASM 0
#endif

/* Two consecutive words (of word-aligned arrays) in one LDRD: GCC 12 keeps the pairs of
 * loads of the channel block separate otherwise, one LDR each. */
static inline void load2(const uint32_t *p, uint32_t *lo, uint32_t *hi) {
    uint64_t v;
    __builtin_memcpy(&v, p, 8);
    *lo = (uint32_t)v;
    *hi = (uint32_t)(v >> 32);
}

/* Inlined into both calls, so that `full` is a constant in each (GCC otherwise makes one
 * out-of-line copy that tests it per output). */
#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

/* All output channels of one pixel from its np pairs (the weights' layout: tp_kernels.h). */
static ALWAYS_INLINE void pixel_channels(const uint32_t *pairs, int32_t np, const uint32_t *w,
                                         const tp_conv_small_requant *q, int32_t out_c, int8_t *out,
                                         int32_t act_min, int32_t act_max, int full) {
    const uint32_t *const x_end = pairs + np;
    int32_t oc;
    for (oc = 0; oc + 4 <= out_c; oc += 4, q += 4) {
        int32_t a0 = q[0].bias2, a1 = q[1].bias2, a2 = q[2].bias2, a3 = q[3].bias2;
        const uint32_t *x = pairs;
        if (np & 1) {
            const uint32_t xv = *x++;
            a0 = tp_smlad(w[0], xv, a0);
            a1 = tp_smlad(w[1], xv, a1);
            a2 = tp_smlad(w[2], xv, a2);
            a3 = tp_smlad(w[3], xv, a3);
            w += 4;
        }
        /* np - (np & 1) >= 2 pairs left (n >= 2 taps: np >= 2). */
#if TP_SMALL_ASM
        {
            uint32_t xa, xb, w0, w1;
            __asm__ volatile("1:\n\t"
                             "ldrd   %[xa], %[xb], [%[x]], #8\n\t"
                             "ldrd   %[w0], %[w1], [%[w]], #8\n\t"
                             "smlad  %[a0], %[w0], %[xa], %[a0]\n\t"
                             "smlad  %[a1], %[w1], %[xa], %[a1]\n\t"
                             "ldrd   %[w0], %[w1], [%[w]], #8\n\t"
                             "smlad  %[a2], %[w0], %[xa], %[a2]\n\t"
                             "smlad  %[a3], %[w1], %[xa], %[a3]\n\t"
                             "ldrd   %[w0], %[w1], [%[w]], #8\n\t"
                             "smlad  %[a0], %[w0], %[xb], %[a0]\n\t"
                             "smlad  %[a1], %[w1], %[xb], %[a1]\n\t"
                             "ldrd   %[w0], %[w1], [%[w]], #8\n\t"
                             "smlad  %[a2], %[w0], %[xb], %[a2]\n\t"
                             "smlad  %[a3], %[w1], %[xb], %[a3]\n\t"
                             "cmp    %[x], %[xend]\n\t"
                             "bne    1b"
                             : [x] "+&r"(x), [w] "+&r"(w), [a0] "+&r"(a0), [a1] "+&r"(a1), [a2] "+&r"(a2),
                               [a3] "+&r"(a3), [xa] "=&r"(xa), [xb] "=&r"(xb), [w0] "=&r"(w0), [w1] "=&r"(w1)
                             : [xend] "r"(x_end)
                             : "cc", "memory");
        }
#else
        do {
            uint32_t xa, xb, w0, w1;
            load2(x, &xa, &xb);
            load2(w, &w0, &w1);
            a0 = tp_smlad(w0, xa, a0);
            a1 = tp_smlad(w1, xa, a1);
            load2(w + 2, &w0, &w1);
            a2 = tp_smlad(w0, xa, a2);
            a3 = tp_smlad(w1, xa, a3);
            load2(w + 4, &w0, &w1);
            a0 = tp_smlad(w0, xb, a0);
            a1 = tp_smlad(w1, xb, a1);
            load2(w + 6, &w0, &w1);
            a2 = tp_smlad(w0, xb, a2);
            a3 = tp_smlad(w1, xb, a3);
            x += 2;
            w += 8;
        } while (x != x_end);
#endif
        out[oc] = requant(a0, &q[0], act_min, act_max, full);
        out[oc + 1] = requant(a1, &q[1], act_min, act_max, full);
        out[oc + 2] = requant(a2, &q[2], act_min, act_max, full);
        out[oc + 3] = requant(a3, &q[3], act_min, act_max, full);
    }
    for (; oc < out_c; ++oc, ++q) {
        int32_t a = q->bias2, i;
        for (i = 0; i < np; ++i) a = tp_smlad(w[i], pairs[i], a);
        w += np;
        out[oc] = requant(a, q, act_min, act_max, full);
    }
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
        const int32_t np = n <= TP_CONV_SMALL_MAX_PATCH ? tp_conv_small_pairs(n) : 0;
        const int32_t n_words = (n + 3) / 4;
        const int32_t dil_h = params->dilation_h, dil_w = params->dilation_w;
        const int32_t row_taps = k_w * in_c; /* taps of one filter row */
        const uint32_t off2 = tp_dup16(params->input_offset);
        const uint32_t pad4 = (uint32_t)(uint8_t)(-params->input_offset) * 0x01010101u;
        const int32_t *shift = params->output_shift;
        const int32_t act_min = params->activation_min, act_max = params->activation_max;
        const int full = act_min == -128 && act_max == 127;
        /* The pixel's patch, tap k at byte k (OHWI order), whole words. */
        union {
            uint32_t w[MAX_WORDS];
            int8_t b[4 * MAX_WORDS];
        } patch;
        uint32_t pairs[MAX_PAIRS];
        int32_t b, oy, ox, oc, i;
        int8_t *out = output;
        if (params->filter.c != in_c || np == 0) return TP_ERR_PARAM;
        for (oc = 0; oc < out_c; ++oc)
            if (shift[oc] > -1) return TP_ERR_PARAM;
        /* Taps past n (in the last word) meet zero weights; they stay 0. */
        patch.w[n_words - 1] = 0;
        for (b = 0; b < params->input.n; ++b) {
            const int8_t *in_b = input + (size_t)b * (size_t)in_h * (size_t)in_w * (size_t)in_c;
            for (oy = 0; oy < params->output.h; ++oy) {
                const int32_t y0 = oy * params->stride_h - params->pad_h;
                int32_t ky_start, ky_end;
                tp_tap_range(y0, dil_h, k_h, in_h, &ky_start, &ky_end);
                for (ox = 0; ox < params->output.w; ++ox) {
                    const int32_t x0 = ox * params->stride_w - params->pad_w;
                    int32_t kx_start, kx_end, ky;
                    tp_tap_range(x0, dil_w, k_w, in_w, &kx_start, &kx_end);
                    if (ky_end - ky_start != k_h || kx_end - kx_start != k_w) {
                        /* At the border: taps outside the input read as the zero point. */
                        for (i = 0; i < n / 4; ++i) patch.w[i] = pad4;
                        for (i = 4 * (n / 4); i < n; ++i) patch.b[i] = (int8_t)pad4;
                    }
                    /* Each filter row's taps inside the input, copied from the input row. */
                    for (ky = ky_start; ky < ky_end; ++ky) {
                        const int32_t row = (y0 + ky * dil_h) * in_w; /* the input row's first pixel */
                        int8_t *dst = patch.b + ky * row_taps;
                        int32_t kx;
                        if (dil_w == 1)
                            tp_copy_s8(dst + kx_start * in_c, in_b + (row + x0 + kx_start) * in_c,
                                       (kx_end - kx_start) * in_c);
                        else
                            for (kx = kx_start; kx < kx_end; ++kx)
                                tp_copy_s8(dst + kx * in_c, in_b + (row + x0 + kx * dil_w) * in_c, in_c);
                    }
                    /* Pairs with the input offset added: pair 2i = taps (4i, 4i+2), 2i+1 = (4i+1, 4i+3). */
                    for (i = 0; i < n_words; ++i) {
                        const uint32_t xw = patch.w[i];
                        pairs[2 * i] = tp_sxtab16(off2, xw);
                        pairs[2 * i + 1] = tp_sxtab16_ror8(off2, xw);
                    }
                    if (full)
                        pixel_channels(pairs, np, filter, requant, out_c, out, act_min, act_max, 1);
                    else
                        pixel_channels(pairs, np, filter, requant, out_c, out, act_min, act_max, 0);
                    out += out_c;
                }
            }
        }
    }
    return TP_OK;
}
