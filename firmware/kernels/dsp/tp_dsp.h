/*
 * Internal to the dsp/ kernels: the Armv7E-M / Armv8-M DSP-extension operations they use
 * (SXTB16, SXTAB16, SADD16, SMLAD, SMLABB, SMLATT, SMLATB) and 4-byte loads.
 *
 * On a core with the DSP extension (__ARM_FEATURE_DSP: Cortex-M4, M7, M33 with DSP, M55) they
 * are the ACLE intrinsics plus inline-asm forms of SXTB16/SXTAB16 with ROR #8 (which the
 * intrinsics cannot express), and the hot 4-row dot-product loop is assembly (see below). Anywhere else, with TP_DSP_EMULATE defined, they are exact C emulations —
 * lane by lane with the instructions' wrap-around — so the dsp kernels' index arithmetic and
 * tail handling can be tested on the host under AddressSanitizer. Without either, compiling a
 * dsp kernel is an error: the build picked the wrong variant for the core.
 */
#ifndef TP_DSP_H
#define TP_DSP_H

#include <stdint.h>

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP && !defined(TP_DSP_EMULATE)

#include <arm_acle.h>

/* Sign-extends bytes 0 and 2 into two int16 lanes. */
static inline uint32_t tp_sxtb16(uint32_t x) { return (uint32_t)__sxtb16((int8x4_t)x); }

/* Sign-extends bytes 1 and 3 into two int16 lanes (SXTB16 with the operand rotated by 8). */
static inline uint32_t tp_sxtb16_ror8(uint32_t x) {
    uint32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}

/* Lane-wise int16 add, wrapping. */
static inline uint32_t tp_sadd16(uint32_t a, uint32_t b) {
    return (uint32_t)__sadd16((int16x2_t)a, (int16x2_t)b);
}

/* a + sign-extended bytes 0/2 (resp. 1/3) of x, per int16 lane: SXTB16 and SADD16 in one. */
static inline uint32_t tp_sxtab16(uint32_t a, uint32_t x) {
    return (uint32_t)__sxtab16((int16x2_t)a, (int8x4_t)x);
}
static inline uint32_t tp_sxtab16_ror8(uint32_t a, uint32_t x) {
    uint32_t r;
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(x));
    return r;
}

/* acc + a.lo * b.lo + a.hi * b.hi (int16 lanes), wrapping like the instruction's result. */
static inline int32_t tp_smlad(uint32_t a, uint32_t b, int32_t acc) {
    return __smlad((int16x2_t)a, (int16x2_t)b, acc);
}

/* acc + a.lo * b.lo / acc + a.hi * b.hi. */
static inline int32_t tp_smlabb(uint32_t a, uint32_t b, int32_t acc) {
    return __smlabb((int32_t)a, (int32_t)b, acc);
}
static inline int32_t tp_smlatt(uint32_t a, uint32_t b, int32_t acc) {
    return __smlatt((int32_t)a, (int32_t)b, acc);
}
/* acc + a.hi * b.lo. */
static inline int32_t tp_smlatb(uint32_t a, uint32_t b, int32_t acc) {
    return __smlatb((int32_t)a, (int32_t)b, acc);
}

#elif defined(TP_DSP_EMULATE)

static inline uint32_t tp_lanes16(int32_t lo, int32_t hi) {
    return ((uint32_t)(uint16_t)lo) | ((uint32_t)(uint16_t)hi << 16);
}
static inline int32_t tp_lane_lo(uint32_t x) { return (int16_t)(uint16_t)(x & 0xFFFFu); }
static inline int32_t tp_lane_hi(uint32_t x) { return (int16_t)(uint16_t)(x >> 16); }

static inline uint32_t tp_sxtb16(uint32_t x) {
    return tp_lanes16((int8_t)(uint8_t)(x & 0xFFu), (int8_t)(uint8_t)((x >> 16) & 0xFFu));
}
static inline uint32_t tp_sxtb16_ror8(uint32_t x) { return tp_sxtb16((x >> 8) | (x << 24)); }
static inline uint32_t tp_sadd16(uint32_t a, uint32_t b) {
    return tp_lanes16(tp_lane_lo(a) + tp_lane_lo(b), tp_lane_hi(a) + tp_lane_hi(b));
}
static inline uint32_t tp_sxtab16(uint32_t a, uint32_t x) { return tp_sadd16(a, tp_sxtb16(x)); }
static inline uint32_t tp_sxtab16_ror8(uint32_t a, uint32_t x) {
    return tp_sadd16(a, tp_sxtb16_ror8(x));
}
static inline int32_t tp_smlad(uint32_t a, uint32_t b, int32_t acc) {
    const uint32_t p = (uint32_t)(tp_lane_lo(a) * tp_lane_lo(b)) + (uint32_t)(tp_lane_hi(a) * tp_lane_hi(b));
    return (int32_t)((uint32_t)acc + p);
}
static inline int32_t tp_smlabb(uint32_t a, uint32_t b, int32_t acc) {
    return (int32_t)((uint32_t)acc + (uint32_t)(tp_lane_lo(a) * tp_lane_lo(b)));
}
static inline int32_t tp_smlatt(uint32_t a, uint32_t b, int32_t acc) {
    return (int32_t)((uint32_t)acc + (uint32_t)(tp_lane_hi(a) * tp_lane_hi(b)));
}
static inline int32_t tp_smlatb(uint32_t a, uint32_t b, int32_t acc) {
    return (int32_t)((uint32_t)acc + (uint32_t)(tp_lane_hi(a) * tp_lane_lo(b)));
}

#else
#error "firmware/kernels/dsp needs a core with the DSP extension (Cortex-M4/M7/M33/M55); build the plain kernels for this target, or define TP_DSP_EMULATE for a host test build"
#endif

/* 4 bytes from any address as one little-endian word. Cortex-M3 and later load unaligned
 * words in one LDR; __builtin_memcpy is inlined to it even where -fno-builtin would turn
 * memcpy into a call (FIRMWARE.md: that was 5x slower). */
static inline uint32_t tp_read_u32(const int8_t *p) {
    uint32_t v;
#if defined(__GNUC__) || defined(__clang__)
    __builtin_memcpy(&v, p, 4);
#else
    v = (uint32_t)(uint8_t)p[0] | ((uint32_t)(uint8_t)p[1] << 8) | ((uint32_t)(uint8_t)p[2] << 16) |
        ((uint32_t)(uint8_t)p[3] << 24);
#endif
    return v;
}

/* tp_mbqm (tflite::MultiplyByQuantizedMultiplier, double rounding) without branches, for the
 * dsp kernels' requantisation — the same operations on the same values, so the same result
 * for every input (checked against tp_mbqm on the shift range and on random and edge values):
 * left = max(shift, 0) is one BIC, right = left - shift; the doubling high multiply is SMLAL
 * on a 2^30 seed; RoundingDivideByPOT's mask is 32-bit (1 << right) - 1, right <= 31. Written
 * with both shift cases as branches GCC 12 computed both multiplies and selected, ~45
 * instructions per output with the clamp; this is ~22, which matters most for depthwise
 * (9 MACs per output) and pointwise layers. shift in [-31, 30], multiplier >= 0. */
static inline int32_t tp_dsp_mbqm(int32_t x, int32_t multiplier, int32_t shift) {
    const int32_t left = shift & ~(shift >> 31); /* max(shift, 0) */
    const int32_t right = left - shift;         /* max(-shift, 0) */
    const int32_t r =
        (int32_t)(((int64_t)(int32_t)((uint32_t)x << left) * (int64_t)multiplier + ((int64_t)1 << 30)) >> 31);
    const uint32_t mask = (1u << right) - 1u;
    const int32_t rem = (int32_t)((uint32_t)r & mask);
    const int32_t threshold = (int32_t)(mask >> 1) + (int32_t)((uint32_t)r >> 31);
    return (r >> right) + (rem > threshold ? 1 : 0);
}

/* An int16 value in both lanes (for SADD16 of the input offset). */
static inline uint32_t tp_dup16(int32_t v) {
    return ((uint32_t)(uint16_t)v) | ((uint32_t)(uint16_t)v << 16);
}

/* The assembly needs 12 free core registers around it. Optimising builds (-O1 .. -O3, -Os,
 * -Og) find them on every core; -O0 does not (the frame pointer and no spilling around asm),
 * so unoptimised builds use the C form, and so can any build with TP_DSP_NO_ASM defined
 * (needed for Cortex-M33 with an FPU and -fno-omit-frame-pointer, where GCC 12 reports
 * "impossible constraints"). Pinning every operand to a named register would avoid that, but
 * makes GCC 12's register allocator loop forever at -O2 -fno-omit-frame-pointer. The results
 * are the same either way. */
#if defined(TP_DSP_EMULATE) || defined(TP_DSP_NO_ASM) || !defined(__OPTIMIZE__)
#define TP_DOT4_ASM 0
#else
#define TP_DOT4_ASM 1
#endif

/* On a core that also has Helium (Cortex-M55/M85: DSP extension and MVE) the dot products are
 * the VMLADAVA loops of tp_mve.h, which keep these names and this contract: FULLY_CONNECTED and
 * the general CONV_2D path are then the same code on both kinds of core, and the mve build
 * takes them from this folder (only DEPTHWISE_CONV_2D has a Helium file of its own). */
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include "../mve/tp_mve.h"
#define TP_DOT_HELIUM 1
#else
#define TP_DOT_HELIUM 0

/* Dot products of int8 rows with an offset int8 vector, the core of FULLY_CONNECTED and
 * CONV_2D: acc_r += sum_k w_r[k] * (x[k] + off). Four bytes at a time: the input word is
 * split into its even and odd bytes with the offset added (two SXTAB16; exact, as
 * |x + off| <= 383 fits an int16 lane), each row's word split the same way (two SXTB16) and
 * multiplied pair-wise into its accumulator (two SMLAD). Even bytes meet even bytes, so every
 * product is one of the reference's; the int32 sum is exact (wrapping like the reference's
 * int32 adds). The input word is shared by four rows, which is what makes 4 rows cheaper.
 * With off == 0 (the code generator folded the offset into the bias) the SXTAB16 become
 * plain SXTB16.
 *
 * TP_DOT4_S8_BODY is the C form (used by the host emulation build); on the cores the loop is
 * the assembly of tp_dot4_s8_asm, with the same operations in the same pairing. */
#define TP_DOT4_S8_BODY(OFFSET_EXPR_E, OFFSET_EXPR_O)                                   \
    do {                                                                                \
        for (; k < n4; k += 4) {                                                        \
            const uint32_t xw = tp_read_u32(x + k);                                     \
            const uint32_t xe = OFFSET_EXPR_E;                                          \
            const uint32_t xo = OFFSET_EXPR_O;                                          \
            uint32_t ww;                                                                \
            ww = tp_read_u32(w0 + k);                                                   \
            a0 = tp_smlad(tp_sxtb16(ww), xe, a0);                                       \
            a0 = tp_smlad(tp_sxtb16_ror8(ww), xo, a0);                                  \
            ww = tp_read_u32(w1 + k);                                                   \
            a1 = tp_smlad(tp_sxtb16(ww), xe, a1);                                       \
            a1 = tp_smlad(tp_sxtb16_ror8(ww), xo, a1);                                  \
            ww = tp_read_u32(w2 + k);                                                   \
            a2 = tp_smlad(tp_sxtb16(ww), xe, a2);                                       \
            a2 = tp_smlad(tp_sxtb16_ror8(ww), xo, a2);                                  \
            ww = tp_read_u32(w3 + k);                                                   \
            a3 = tp_smlad(tp_sxtb16(ww), xe, a3);                                       \
            a3 = tp_smlad(tp_sxtb16_ror8(ww), xo, a3);                                  \
        }                                                                               \
    } while (0)

#if TP_DOT4_ASM
/* The loop body, twice per iteration: one input word split into its even and odd int16 lanes
 * (SXTB16, or SXTAB16 adding the offset pair, reloaded into t where it is free), then rows 1, 0,
 * 3, 2 (rows 1 and 3 at the row stride from rows 0 and 2). */
#define TP_DOT4_ASM_SPLIT0                      \
    "ldr    %[xo], [%[x]], #4\n\t"              \
    "sxtb16 %[xe], %[xo]\n\t"                   \
    "sxtb16 %[xo], %[xo], ror #8\n\t"
#define TP_DOT4_ASM_SPLITOFF                           \
    "ldr    %[xo], [%[x]], #4\n\t"                     \
    "ldr    %[t], %[off]\n\t"                          \
    "sxtab16 %[xe], %[t], %[xo]\n\t"                   \
    "sxtab16 %[xo], %[t], %[xo], ror #8\n\t"
#define TP_DOT4_ASM_ROWS                              \
    "ldr    %[ww], [%[w0], %[k]]\n\t"                 \
    "sxtb16 %[t], %[ww]\n\t"                          \
    "smlad  %[a1], %[t], %[xe], %[a1]\n\t"            \
    "sxtb16 %[ww], %[ww], ror #8\n\t"                 \
    "smlad  %[a1], %[ww], %[xo], %[a1]\n\t"           \
    "ldr    %[ww], [%[w0]], #4\n\t"                   \
    "sxtb16 %[t], %[ww]\n\t"                          \
    "smlad  %[a0], %[t], %[xe], %[a0]\n\t"            \
    "sxtb16 %[ww], %[ww], ror #8\n\t"                 \
    "smlad  %[a0], %[ww], %[xo], %[a0]\n\t"           \
    "ldr    %[ww], [%[w2], %[k]]\n\t"                 \
    "sxtb16 %[t], %[ww]\n\t"                          \
    "smlad  %[a3], %[t], %[xe], %[a3]\n\t"            \
    "sxtb16 %[ww], %[ww], ror #8\n\t"                 \
    "smlad  %[a3], %[ww], %[xo], %[a3]\n\t"           \
    "ldr    %[ww], [%[w2]], #4\n\t"                   \
    "sxtb16 %[t], %[ww]\n\t"                          \
    "smlad  %[a2], %[t], %[xe], %[a2]\n\t"            \
    "sxtb16 %[ww], %[ww], ror #8\n\t"                 \
    "smlad  %[a2], %[ww], %[xo], %[a2]\n\t"
#define TP_DOT4_ASM_END                  \
    "ldr    %[t], %[xend]\n\t"           \
    "cmp    %[x], %[t]\n\t"              \
    "bne    1b\n\t"

/* The 4-row loop in assembly, 8 input bytes per iteration. In C, GCC 12 keeps only some of the
 * 4 accumulators and 4 row pointers in registers and spills the rest on every iteration (~32
 * instructions per 16 MACs instead of 25). Here 12 registers suffice — GCC cannot always give
 * an asm statement 13 (a 13-register form failed with "impossible constraints" for Cortex-M33
 * with an FPU at -O2): rows 1 and 3 are addressed as rows 0 and 2 plus the row stride (LDR with a register offset),
 * and the loop bound and the offset pair are reloaded from the stack into the row temporary,
 * which the 2x unrolling makes cheap. n8 = number of bytes, a positive multiple of 8. */
static inline void tp_dot4_s8_asm(const int8_t *x, int32_t n8, const int8_t *w0,
                                  const int8_t *w2, int32_t stride, uint32_t off2,
                                  int32_t *acc) {
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    const int8_t *x_end = x + n8;
    uint32_t xe, xo, ww, t;
    if (off2 == 0) {
        __asm__ volatile(
            "1:\n\t" TP_DOT4_ASM_SPLIT0 TP_DOT4_ASM_ROWS
            TP_DOT4_ASM_SPLIT0 TP_DOT4_ASM_ROWS TP_DOT4_ASM_END
            : [x] "+&r"(x), [w0] "+&r"(w0), [w2] "+&r"(w2), [a0] "+&r"(a0), [a1] "+&r"(a1),
              [a2] "+&r"(a2), [a3] "+&r"(a3), [xe] "=&r"(xe), [xo] "=&r"(xo), [ww] "=&r"(ww),
              [t] "=&r"(t)
            : [k] "r"(stride), [xend] "m"(x_end)
            : "cc", "memory");
    } else {
        __asm__ volatile(
            "1:\n\t" TP_DOT4_ASM_SPLITOFF TP_DOT4_ASM_ROWS
            TP_DOT4_ASM_SPLITOFF TP_DOT4_ASM_ROWS TP_DOT4_ASM_END
            : [x] "+&r"(x), [w0] "+&r"(w0), [w2] "+&r"(w2), [a0] "+&r"(a0), [a1] "+&r"(a1),
              [a2] "+&r"(a2), [a3] "+&r"(a3), [xe] "=&r"(xe), [xo] "=&r"(xo), [ww] "=&r"(ww),
              [t] "=&r"(t)
            : [k] "r"(stride), [xend] "m"(x_end), [off] "m"(off2)
            : "cc", "memory");
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
}
#endif

/* acc[r] += sum_k w_r[k] * (x[k] + off) for the rows w_r = w0 + r * stride, r = 0..3. */
static inline void tp_dot4_s8(const int8_t *x, const int8_t *w0, int32_t stride, int32_t n,
                              int32_t off, int32_t *acc) {
    const int32_t n4 = n & ~3;
    int32_t k;
#if TP_DOT4_ASM
    const int32_t n8 = n & ~7;
    if (n8 > 0) tp_dot4_s8_asm(x, n8, w0, w0 + 2 * stride, stride, tp_dup16(off), acc);
    if (n4 != n8) {
        /* One 4-byte step left: the C form, once per row block. */
        const int8_t *w1 = w0 + stride, *w2 = w0 + 2 * stride, *w3 = w0 + 3 * stride;
        int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
        const uint32_t off2 = tp_dup16(off);
        k = n8;
        TP_DOT4_S8_BODY(tp_sxtab16(off2, xw), tp_sxtab16_ror8(off2, xw));
        acc[0] = a0;
        acc[1] = a1;
        acc[2] = a2;
        acc[3] = a3;
    }
#else
    {
        const int8_t *w1 = w0 + stride, *w2 = w0 + 2 * stride, *w3 = w0 + 3 * stride;
        int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
        k = 0;
        if (off == 0) {
            TP_DOT4_S8_BODY(tp_sxtb16(xw), tp_sxtb16_ror8(xw));
        } else {
            const uint32_t off2 = tp_dup16(off);
            TP_DOT4_S8_BODY(tp_sxtab16(off2, xw), tp_sxtab16_ror8(off2, xw));
        }
        acc[0] = a0;
        acc[1] = a1;
        acc[2] = a2;
        acc[3] = a3;
    }
#endif
    for (k = n4; k < n; ++k) {
        const int32_t xv = (int32_t)x[k] + off;
        acc[0] += (int32_t)w0[k] * xv;
        acc[1] += (int32_t)w0[k + stride] * xv;
        acc[2] += (int32_t)w0[k + 2 * stride] * xv;
        acc[3] += (int32_t)w0[k + 3 * stride] * xv;
    }
}

/* One row of the above, for the rows left over after the blocks of four. */
static inline int32_t tp_dot1_s8(const int8_t *x, const int8_t *w, int32_t n, int32_t off,
                                 int32_t acc) {
    const uint32_t off2 = tp_dup16(off);
    int32_t k = 0;
    for (; k + 4 <= n; k += 4) {
        const uint32_t xw = tp_read_u32(x + k);
        const uint32_t ww = tp_read_u32(w + k);
        acc = tp_smlad(tp_sxtb16(ww), tp_sxtab16(off2, xw), acc);
        acc = tp_smlad(tp_sxtb16_ror8(ww), tp_sxtab16_ror8(off2, xw), acc);
    }
    for (; k < n; ++k) acc += (int32_t)w[k] * ((int32_t)x[k] + off);
    return acc;
}

#endif /* TP_DOT_HELIUM */

#endif /* TP_DSP_H */
