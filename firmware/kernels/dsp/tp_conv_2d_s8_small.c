/*
 * CONV_2D, int8, small filter patches — DSP-extension variant (Cortex-M4/M7/M33, and M55),
 * bit-identical to the plain tp_conv_2d_s8 (issues #13, #14).
 *
 * A first layer (C_in = 1..4, a 3x3, 10x4 or 10x8 filter) has patches of 9..128 taps: the generic
 * kernel spends more on per-row setup, on the int8 -> int16 split of every weight word and
 * on the requantisation than on its multiplies (~11 instructions per MAC on mnist-dscnn's
 * 28x28x1 -> 16 layer). Here, per output pixel, or per two in output order from
 * TP_SMALL_PX2_MIN_PAIRS pairs of taps on (an odd last one paired with itself):
 *  - the pixel's taps are split into int16 pairs with the input offset added (two SXTAB16 per
 *    word of 4 taps; exact, as |x + off| <= 383): pair 2i = taps (4i, 4i+2), pair 2i+1 =
 *    taps (4i+1, 4i+3), straight from the input rows when all its taps are inside the input
 *    and a filter row is whole words, otherwise from a patch gathered in tap order (each
 *    filter row's taps inside the input copied from the input row, the rest the input zero
 *    point); two pixels' pairs are interleaved;
 *  - the weights are already int16 pairs in that order, doubled, laid out by the code
 *    generator (tp_kernels.h), so each pair of MACs is one word load and one SMLAD per pixel
 *    into 2 * acc, and a block of 4 output channels shares every pair load;
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

#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

/* A pixel's patch, tap k at byte k (OHWI order), whole words. */
typedef union {
    uint32_t w[MAX_WORDS];
    int8_t b[4 * MAX_WORDS];
} tp_small_patch;

/* What gathering a patch needs: the layer, its batch's input, its taps. */
typedef struct {
    const tp_conv_s8_params *p;
    const int8_t *in_b;
    int32_t n;
    uint32_t pad4; /* the input zero point in every byte */
} tp_small_gather;

/* A value GCC must treat as changed here: a copy or fill loop through it is not a memcpy /
 * memset pattern, so it stays inline. A patch row is 3..32 bytes, and GCC made the row copies
 * and border fills library calls (~30 instructions each, 10 a pixel on micro_speech). */
#if defined(__GNUC__)
#define TP_OPAQUE(v) __asm__("" : "+r"(v))
#else
#define TP_OPAQUE(v) ((void)0)
#endif

/* n bytes from src to dst: whole words, then a halfword and a byte as needed. */
static ALWAYS_INLINE void copy_taps(int8_t *dst, const int8_t *src, int32_t n) {
    for (; n >= 4; n -= 4, src += 4, dst += 4) {
        uint32_t w;
        __builtin_memcpy(&w, src, 4);
        TP_OPAQUE(w);
        __builtin_memcpy(dst, &w, 4);
    }
    if (n & 2) {
        uint16_t h;
        __builtin_memcpy(&h, src, 2);
        __builtin_memcpy(dst, &h, 2);
        src += 2;
        dst += 2;
    }
    if (n & 1) *dst = *src;
}

/* An output row's filter rows: y0 (the first tap's input row) and the taps inside the input. */
typedef struct {
    int32_t y0, ky_start, ky_end;
} tp_small_row;

static ALWAYS_INLINE void row_taps_of(const tp_small_gather *g, int32_t oy, tp_small_row *r) {
    const tp_conv_s8_params *p = g->p;
    r->y0 = oy * p->stride_h - p->pad_h;
    tp_tap_range(r->y0, p->dilation_h, p->filter.h, p->input.h, &r->ky_start, &r->ky_end);
}

/* Pixel x0's patch (its taps kx_start .. kx_end - 1 inside the input, inside: all of them):
 * each filter row's taps inside the input copied from the input row, the taps outside first
 * set to the input zero point. */
static ALWAYS_INLINE void gather(const tp_small_gather *g, const tp_small_row *r, int32_t x0, int32_t kx_start,
                                 int32_t kx_end, int inside, tp_small_patch *patch) {
    const tp_conv_s8_params *p = g->p;
    const int32_t in_c = p->input.c, row_taps = p->filter.w * in_c;
    int32_t ky, i;
    if (!inside) {
        uint32_t pad4 = g->pad4;
        TP_OPAQUE(pad4);
        for (i = 0; i < g->n / 4; ++i) {
            patch->w[i] = pad4;
            TP_OPAQUE(pad4);
        }
        for (i = 4 * (g->n / 4); i < g->n; ++i) {
            patch->b[i] = (int8_t)pad4;
            TP_OPAQUE(pad4);
        }
    }
    for (ky = r->ky_start; ky < r->ky_end; ++ky) {
        const int32_t row = (r->y0 + ky * p->dilation_h) * p->input.w; /* the input row's first pixel */
        int8_t *dst = patch->b + ky * row_taps;
        int32_t kx;
        if (p->dilation_w == 1)
            copy_taps(dst + kx_start * in_c, g->in_b + (row + x0 + kx_start) * in_c, (kx_end - kx_start) * in_c);
        else
            for (kx = kx_start; kx < kx_end; ++kx)
                copy_taps(dst + kx * in_c, g->in_b + (row + x0 + kx * p->dilation_w) * in_c, in_c);
    }
}

/* Words stored by neighbouring STRs (the second of two neighbouring single stores costs 1
 * estimated cycle, not 2): GCC 12 spread them between the SXTAB16s. */
#if TP_DOT4_ASM && defined(__GNUC__)
#define TP_STORE2(D0, D1, A, B) __asm__("str %2, %0\n\tstr %3, %1" : "=m"(D0), "=m"(D1) : "r"(A), "r"(B))
#define TP_STORE4(D0, D1, D2, D3, A, B, C, D)                                                   \
    __asm__("str %4, %0\n\tstr %5, %1\n\tstr %6, %2\n\tstr %7, %3"                                \
            : "=m"(D0), "=m"(D1), "=m"(D2), "=m"(D3)                                             \
            : "r"(A), "r"(B), "r"(C), "r"(D))
#else
#define TP_STORE2(D0, D1, A, B) ((D0) = (A), (D1) = (B))
#define TP_STORE4(D0, D1, D2, D3, A, B, C, D) ((D0) = (A), (D1) = (B), (D2) = (C), (D3) = (D))
#endif

/* nw words of taps from src into int16 pairs with the input offset added: word i's taps
 * (0, 2) to dst[step * i], (1, 3) to dst[step * i + hi]. Two words a turn. */
static ALWAYS_INLINE void expand_words(const int8_t *src, int32_t nw, uint32_t off2, uint32_t *dst, int32_t step,
                                       int32_t hi) {
    int32_t i;
    for (i = 0; i + 2 <= nw; i += 2, src += 8, dst += 2 * step) {
        uint32_t w0, w1;
        __builtin_memcpy(&w0, src, 4);
        __builtin_memcpy(&w1, src + 4, 4);
        TP_STORE4(dst[0], dst[hi], dst[step], dst[step + hi], tp_sxtab16(off2, w0), tp_sxtab16_ror8(off2, w0),
                  tp_sxtab16(off2, w1), tp_sxtab16_ror8(off2, w1));
    }
    if (i < nw) {
        uint32_t w;
        __builtin_memcpy(&w, src, 4);
        TP_STORE2(dst[0], dst[hi], tp_sxtab16(off2, w), tp_sxtab16_ror8(off2, w));
    }
}

/* Output pixel ox of row r as pairs (pair p at dst[step / 2 * p], see expand_words). A pixel
 * whose taps are all inside the input, with filter rows of whole words (micro_speech's 10x8,
 * kws's 10x4), is expanded straight from the input rows; any other goes through the patch. */
static ALWAYS_INLINE void pixel_pairs(const tp_small_gather *g, const tp_small_row *r, int32_t ox,
                                      tp_small_patch *patch, uint32_t off2, int32_t n_words, uint32_t *dst,
                                      int32_t step, int32_t hi) {
    const tp_conv_s8_params *p = g->p;
    const int32_t in_c = p->input.c, k_h = p->filter.h, k_w = p->filter.w;
    const int32_t x0 = ox * p->stride_w - p->pad_w, row_taps = k_w * in_c;
    int32_t kx_start, kx_end, inside;
    tp_tap_range(x0, p->dilation_w, k_w, p->input.w, &kx_start, &kx_end);
    inside = r->ky_end - r->ky_start == k_h && kx_end - kx_start == k_w;
    if (inside && (row_taps & 3) == 0 && p->dilation_w == 1) {
        const int32_t rw = row_taps >> 2;
        int32_t ky;
        for (ky = 0; ky < k_h; ++ky)
            expand_words(g->in_b + ((r->y0 + ky * p->dilation_h) * p->input.w + x0) * in_c, rw, off2,
                         dst + ky * rw * step, step, hi);
    } else {
        gather(g, r, x0, kx_start, kx_end, inside, patch);
        expand_words(patch->b, n_words, off2, dst, step, hi);
    }
}

/* Two consecutive words (of word-aligned arrays) in one LDRD: GCC 12 keeps the pairs of
 * loads of the channel block separate otherwise, one LDR each. */
static inline void load2(const uint32_t *p, uint32_t *lo, uint32_t *hi) {
    uint64_t v;
    __builtin_memcpy(&v, p, 8);
    *lo = (uint32_t)v;
    *hi = (uint32_t)(v >> 32);
}

/* Short patches (np < TP_SMALL_PX2_MIN_PAIRS: 3x3x1 and the like) one pixel at a time: all
 * output channels of the pixel from its np pairs, the block loop in an asm statement (LDRD
 * with post-increment, 15 instructions for 16 MACs; GCC splits the LDRDs of the C form into
 * single loads under LTO). There the two-pixel function's call and stores cost more than its
 * loop saves (person_detect's 9-tap first layer: +8% instructions). */
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
#if TP_DOT4_ASM
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

/* The 4-channel blocks of two pixels A and B (issue #14, estimated cycles): with their pairs
 * interleaved (xx[2p] = A's pair p, xx[2p + 1] = B's), each weight word is read once for both
 * pixels. Per pair: A's and B's pair and 2 weights in 4 neighbouring loads, 4 SMLAD, 2 more
 * weights, 4 SMLAD — 14 instructions and 16 estimated cycles per 16 MACs (neighbouring single
 * loads pipeline: 2 + 1 + 1 + 1 cycles), where an LDRD of the pair and a load before each
 * weight's 2 SMLAD took 13 and 19, and one pixel at a time 15 and 27 (two LDRDs of weights per
 * pixel, 3 cycles each). acc[8b .. 8b + 7] = block b's sums {A: channels 4b .. 4b + 3, B: the
 * same}, each started from its channel's doubled bias. A naked function: the loop needs all
 * 14 free registers (8 sums, A's and B's pair, 2 weights, xx, w; the end of xx waits on the
 * stack), which an asm statement in a C function cannot reliably get from GCC (tp_dsp.h).
 * Four pairs a turn, the loop entered part-way for np % 4. np >= 2, blocks >= 1 (on the
 * stack, with q). */
#define TP_SMALL_BLOCKS_MAX 4 /* blocks per call: acc holds 32 sums */
#define TP_SMALL_PX2_MIN_PAIRS 8
#if TP_DOT4_ASM
#define TP_SMALL_PX2_STEP                                       \
    "ldr    r12, [r0, #4]\n\t"                                  \
    "ldr    r2, [r0], #8\n\t"                                   \
    "ldr    lr, [r1], #4\n\t"                                   \
    "ldr    r3, [r1], #4\n\t"                                   \
    "smlad  r4, lr, r2, r4\n\t"                                 \
    "smlad  r8, lr, r12, r8\n\t"                                \
    "smlad  r5, r3, r2, r5\n\t"                                 \
    "smlad  r9, r3, r12, r9\n\t"                                \
    "ldr    lr, [r1], #4\n\t"                                   \
    "ldr    r3, [r1], #4\n\t"                                   \
    "smlad  r6, lr, r2, r6\n\t"                                 \
    "smlad  r10, lr, r12, r10\n\t"                              \
    "smlad  r7, r3, r2, r7\n\t"                                 \
    "smlad  r11, r3, r12, r11\n\t"
__attribute__((naked, noinline)) static void tp_small_px2(const uint32_t *xx __attribute__((unused)),
                                                         const uint32_t *w __attribute__((unused)),
                                                         int32_t *acc __attribute__((unused)),
                                                         int32_t np __attribute__((unused)),
                                                         int32_t blocks __attribute__((unused)),
                                                         const tp_conv_small_requant *q __attribute__((unused))) {
    /* After the push: xx at sp, the end of the pairs at sp+4 (over the saved r1), acc at sp+8,
     * np at sp+12, blocks at sp+56, q at sp+60 (the callee's to change: the block count and q
     * step there). */
    __asm__ volatile(
        "push   {r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, r11, r12, lr}\n"
        "4:\n\t"
        "ldr    r12, [sp, #60]\n\t"
        "ldr    r4, [r12, #0]\n\t"
        "ldr    r5, [r12, #16]\n\t"
        "ldr    r6, [r12, #32]\n\t"
        "ldr    r7, [r12, #48]\n\t"
        "add    r12, r12, #64\n\t"
        "str    r12, [sp, #60]\n\t"
        "mov    r8, r4\n\t"
        "mov    r9, r5\n\t"
        "mov    r10, r6\n\t"
        "mov    r11, r7\n\t"
        "ldr    r0, [sp]\n\t"
        "ldr    r3, [sp, #12]\n\t"
        "add    lr, r0, r3, lsl #3\n\t"
        "str    lr, [sp, #4]\n\t"
        /* Four pairs a turn, entered np % 4 steps before the end (bit 1 of np into C, bit 0
         * into N). */
        "lsls   r3, r3, #31\n\t"
        "bcc    7f\n\t"
        "bmi    2f\n\t"
        "b      3f\n"
        "7:\n\t"
        "bmi    8f\n"
        "5:\n\t" TP_SMALL_PX2_STEP
        "2:\n\t" TP_SMALL_PX2_STEP
        "3:\n\t" TP_SMALL_PX2_STEP
        "8:\n\t" TP_SMALL_PX2_STEP
        "ldr    lr, [sp, #4]\n\t"
        "cmp    r0, lr\n\t"
        "bne    5b\n\t"
        "ldr    r2, [sp, #8]\n\t"
        "stmia  r2!, {r4, r5, r6, r7, r8, r9, r10, r11}\n\t"
        "str    r2, [sp, #8]\n\t"
        "ldr    r12, [sp, #56]\n\t"
        "subs   r12, r12, #1\n\t"
        "str    r12, [sp, #56]\n\t"
        "bne    4b\n\t"
        "pop    {r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, r11, r12, pc}\n\t");
}
#else
static void tp_small_px2(const uint32_t *xx, const uint32_t *w, int32_t *acc, int32_t np, int32_t blocks,
                         const tp_conv_small_requant *q) {
    int32_t b, i, c;
    for (b = 0; b < blocks; ++b, acc += 8, q += 4) {
        for (c = 0; c < 4; ++c) acc[c] = acc[4 + c] = q[c].bias2;
        for (i = 0; i < np; ++i, w += 4)
            for (c = 0; c < 4; ++c) {
                acc[c] = tp_smlad(w[c], xx[2 * i], acc[c]);
                acc[4 + c] = tp_smlad(w[c], xx[2 * i + 1], acc[4 + c]);
            }
    }
}
#endif

/* Requantises n sums of A (s[8b + c]) and B (s[8b + 4 + c]) into a[i], bb[i], i = 4b + c.
 * Inlined into both calls, so that `full` is a constant in each. */
static ALWAYS_INLINE void requant_blocks(const int32_t *s, const tp_conv_small_requant *q, int32_t n, int8_t *a,
                                         int8_t *bb, int32_t act_min, int32_t act_max, int full) {
    int32_t i;
    for (i = 0; i < n; ++i) {
        const int32_t *si = s + 8 * (i >> 2) + (i & 3);
        a[i] = requant(si[0], &q[i], act_min, act_max, full);
        bb[i] = requant(si[4], &q[i], act_min, act_max, full);
    }
}

/* All output channels of pixels A and B (oa, ob; the same place when A is B) from their
 * interleaved pairs xx: the 4-channel blocks, then the output.c % 4 channels left over. acc:
 * 8 * TP_SMALL_BLOCKS_MAX sums. */
static void pixel_pair_channels(const uint32_t *xx, int32_t np, const uint32_t *w, const tp_conv_small_requant *q,
                                int32_t out_c, int8_t *oa, int8_t *ob, int32_t act_min, int32_t act_max, int full,
                                int32_t *acc) {
    const int32_t blocks = out_c >> 2;
    int32_t b0, i;
    for (b0 = 0; b0 < blocks; b0 += TP_SMALL_BLOCKS_MAX) {
        const int32_t nb = blocks - b0 < TP_SMALL_BLOCKS_MAX ? blocks - b0 : TP_SMALL_BLOCKS_MAX;
        tp_small_px2(xx, w + (size_t)b0 * 4 * (size_t)np, acc, np, nb, q + 4 * b0);
        if (full)
            requant_blocks(acc, q + 4 * b0, 4 * nb, oa + 4 * b0, ob + 4 * b0, act_min, act_max, 1);
        else
            requant_blocks(acc, q + 4 * b0, 4 * nb, oa + 4 * b0, ob + 4 * b0, act_min, act_max, 0);
    }
    if ((out_c & 3) != 0) {
        const uint32_t *wt = w + (size_t)(4 * blocks) * (size_t)np;
        for (i = 4 * blocks; i < out_c; ++i, wt += np) {
            int32_t sa = q[i].bias2, sb = q[i].bias2, k;
            for (k = 0; k < np; ++k) {
                sa = tp_smlad(wt[k], xx[2 * k], sa);
                sb = tp_smlad(wt[k], xx[2 * k + 1], sb);
            }
            oa[i] = requant(sa, &q[i], act_min, act_max, full);
            ob[i] = requant(sb, &q[i], act_min, act_max, full);
        }
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
        const int32_t out_c = params->output.c, out_w = params->output.w;
        const int32_t pixels = params->output.h * out_w;
        const int32_t n = k_h * k_w * in_c;
        const int32_t np = n <= TP_CONV_SMALL_MAX_PATCH ? tp_conv_small_pairs(n) : 0;
        const int32_t n_words = (n + 3) / 4;
        const uint32_t off2 = tp_dup16(params->input_offset);
        const int32_t *shift = params->output_shift;
        const int32_t act_min = params->activation_min, act_max = params->activation_max;
        const int full = act_min == -128 && act_max == 127;
        tp_small_gather g;
        tp_small_patch patch;       /* a pixel's taps, when gathered */
        uint32_t xx[2 * MAX_PAIRS]; /* the pairs of one pixel, or two interleaved */
        int32_t acc[8 * TP_SMALL_BLOCKS_MAX];
        int32_t b, oc;
        int8_t *out = output;
        if (params->filter.c != in_c || np == 0) return TP_ERR_PARAM;
        for (oc = 0; oc < out_c; ++oc)
            if (shift[oc] > -1) return TP_ERR_PARAM;
        g.p = params;
        g.n = n;
        g.pad4 = (uint32_t)(uint8_t)(-params->input_offset) * 0x01010101u;
        /* Taps past n (in the last word) meet zero weights; they stay 0. */
        patch.w[n_words - 1] = 0;
        for (b = 0; b < params->input.n; ++b) {
            int32_t p = 0, oy = 0, ox = 0;
            tp_small_row row;
            g.in_b = input + (size_t)b * (size_t)in_h * (size_t)in_w * (size_t)in_c;
            row_taps_of(&g, 0, &row);
            while (p < pixels) {
                /* Pixels p and p + 1 in output order (they may be on two rows) when the patch is
                 * long enough, their pairs interleaved (xx[2p] = A's pair p, xx[2p + 1] = B's);
                 * the last one alone is its own B, written twice to the same place. Otherwise
                 * one pixel. One pixel_pairs site: inlined, with the layer's constants. */
                const int32_t pair = np >= TP_SMALL_PX2_MIN_PAIRS;
                const int32_t two = pair && p + 1 < pixels, ks = pair ? 2 : 1;
                int32_t k;
                for (k = 0; k < ks; ++k) {
                    pixel_pairs(&g, &row, ox, &patch, off2, n_words, xx + k, 2 * ks, ks);
                    if ((two || k + 1 == ks) && ++ox == out_w) {
                        ox = 0;
                        row_taps_of(&g, ++oy, &row);
                    }
                }
                if (pair) {
                    pixel_pair_channels(xx, np, filter, requant, out_c, out, out + two * out_c, act_min, act_max,
                                        full, acc);
                } else if (full) {
                    pixel_channels(xx, np, filter, requant, out_c, out, act_min, act_max, 1);
                } else {
                    pixel_channels(xx, np, filter, requant, out_c, out, act_min, act_max, 0);
                }
                out += (1 + two) * out_c;
                p += 1 + two;
            }
        }
    }
    return TP_OK;
}
