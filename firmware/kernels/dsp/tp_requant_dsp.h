/*
 * Internal to the dsp/ kernels: requantisation of int32 sums to int8 outputs, bit-identical to
 * TFLM's double-rounding MultiplyByQuantizedMultiplier + output zero point + activation clamp
 * (tp_mbqm in tp_fixedpoint.h), in fewer instructions for the common case (issue #14, speed).
 *
 * A channel's shift is almost always negative (effective scale below 1/2). Then there is no
 * left shift and, with s = -shift >= 1, RoundingDivideByPOT(r, s) (ties away from zero) is
 * ((a >> (s - 1)) + 1) >> 1 with a = r - (r < 0):
 *  - r >= 0: rounding half up is floor((r + 2^(s-1)) / 2^s) = ((r >> (s-1)) + 1) >> 1;
 *  - r < 0: TFLM rounds up when the remainder exceeds 2^(s-1) (not equals), which is
 *    rounding half up of r - 1 (a remainder of 0 in r becomes 2^s - 1 in r - 1, still below
 *    the rounding point for s >= 1).
 * No step overflows: r = (x * m + 2^30) >> 31 lies in [-2^31 + 1, 2^31 - 2] for any int32 x and
 * 0 <= m < 2^31, so r - 1 and (a >> (s-1)) + 1 fit an int32; for |x| < 2^30 r is one SMMULR.
 * With the zero point and clamp folded into QADD + SSAT (tp_rq_full) an output costs SMMULR and
 * 6 ALU operations besides its loads and store, against ~22 for tp_dsp_mbqm and its clamp. The
 * form is chosen once per layer (tp_rq_mode); other layers keep tp_dsp_mbqm.
 */
#ifndef TP_REQUANT_DSP_H
#define TP_REQUANT_DSP_H

#include <stdint.h>

#include "../tp_kernel_util.h" /* TP_RQ_FULL_USED, TP_RQ_RIGHT_USED */
#include "tp_dsp.h"
#include "tp_fixedpoint.h"

/* QADD (int32 add saturating) and SSAT #8 of x >> 1: the last rounding step, the zero point
 * and the int8 range in two instructions (see tp_rq_full). */
#if defined(TP_DSP_EMULATE)
static inline int32_t tp_rq_qadd(int32_t a, int32_t b) {
    const int64_t v = (int64_t)a + (int64_t)b;
    return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
}
static inline int32_t tp_rq_ssat8_half(int32_t x) {
    const int32_t v = x >> 1;
    return v > 127 ? 127 : v < -128 ? -128 : v;
}
#else
static inline int32_t tp_rq_qadd(int32_t a, int32_t b) { return __qadd(a, b); }
static inline int32_t tp_rq_ssat8_half(int32_t x) { return __ssat(x >> 1, 8); }
#endif

/* The output zero point and activation range of a layer: k = 1 + 2 * zero point, and whether
 * the range is all of int8 (then SSAT alone clamps). */
typedef struct {
    int32_t zo, lo, hi, k, full;
} tp_rq_out;

static inline tp_rq_out tp_rq_make(int32_t zo, int32_t lo, int32_t hi) {
    tp_rq_out o;
    o.zo = zo;
    o.lo = lo;
    o.hi = hi;
    o.k = 1 + 2 * zo;
    o.full = lo == -128 && hi == 127;
    return o;
}

/* s - 1 for shift = -s < 0; -1 (take tp_dsp_mbqm) for shift >= 0. */
static inline int32_t tp_rq_s1(int32_t shift) { return -shift - 1; }

/* SMMULR: (a * b + 2^31) >> 32, the 64-bit product's high word rounded. */
#if defined(TP_DSP_EMULATE)
static inline int32_t tp_rq_smmulr(int32_t a, int32_t b) {
    return (int32_t)(((int64_t)a * (int64_t)b + ((int64_t)1 << 31)) >> 32);
}
#else
static inline int32_t tp_rq_smmulr(int32_t a, int32_t b) {
    int32_t r;
    __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
}
#endif

/* a >> (s - 1) for MultiplyByQuantizedMultiplier(x, m, -s), s >= 1 (see the top): the result
 * is (that + 1) >> 1. r = (x * m + 2^30) >> 31 is SMMULR(2x, m) = (2x * m + 2^31) >> 32 —
 * one instruction instead of SMLAL on a seeded pair and two to assemble the result — for
 * |x| < 2^30, which tp_rq_mode checks per layer. */
static inline int32_t tp_rq_right(int32_t x, int32_t m, int32_t s1) {
    const int32_t r = tp_rq_smmulr((int32_t)((uint32_t)x << 1), m);
    const int32_t a = r + (r >> 31);
    return a >> s1;
}

/* How a layer requantises, decided once per call: TP_RQ_FULL (every shift negative, every sum
 * below 2^30 in magnitude, the activation range all of int8: SMMULR, shifts, QADD, SSAT),
 * TP_RQ_RIGHT (the same and the clamp), TP_RQ_ANY (tp_dsp_mbqm). Sums are bounded by
 * taps * 128 * 255 (|w| <= 128, |x + offset| <= 255) plus the largest |bias|. Loops branch on
 * the mode outside the per-output code: with the test per output GCC 12 computed both forms
 * and selected. */
enum { TP_RQ_ANY = 0, TP_RQ_RIGHT = 1, TP_RQ_FULL = 2 };

static inline int32_t tp_rq_mode(const int32_t *shift, const int32_t *bias, int32_t n, int32_t taps,
                                 const tp_rq_out *o) {
    const int64_t limit = ((int64_t)1 << 30) - (int64_t)taps * 128 * 255;
    int32_t i;
    if (limit <= 0) return TP_RQ_ANY;
    for (i = 0; i < n; ++i) {
        if (shift[i] >= 0) return TP_RQ_ANY;
        if (bias && (bias[i] >= limit || bias[i] <= -limit)) return TP_RQ_ANY;
    }
    return o->full ? TP_RQ_FULL : TP_RQ_RIGHT;
}

/* One output in each mode (x includes the bias). tp_rq_full / tp_rq_clamped: ((t + 1) >> 1) + zo
 * clamped, t = tp_rq_right(...), computed as SSAT8((t + 1 + 2 zo) >> 1) with the add
 * saturating. Exact: without saturation the two are the same integers; the add saturates only
 * when the true value lies beyond the int32 range, and then both are beyond int8 on the same
 * side, so both clamp to the same bound. */
static inline int8_t tp_rq_full(int32_t x, int32_t m, int32_t shift, const tp_rq_out *o) {
    return (int8_t)tp_rq_ssat8_half(tp_rq_qadd(tp_rq_right(x, m, tp_rq_s1(shift)), o->k));
}
static inline int8_t tp_rq_clamped(int32_t x, int32_t m, int32_t shift, const tp_rq_out *o) {
    const int32_t v = tp_rq_ssat8_half(tp_rq_qadd(tp_rq_right(x, m, tp_rq_s1(shift)), o->k));
    return (int8_t)tp_clamp_i32(v, o->lo, o->hi);
}
static inline int8_t tp_rq_any(int32_t x, int32_t m, int32_t shift, const tp_rq_out *o) {
    return (int8_t)tp_clamp_i32(tp_dsp_mbqm(x, m, shift) + o->zo, o->lo, o->hi);
}

/* out[i] = requantised acc[i] + bias[i] (bias may be NULL) for i < n, channels' multipliers
 * and shifts from mul / sh. U: the unroll pragma of the loop without a bias. */
#define TP_RQ_LOOP(F, U)                                                                   \
    do {                                                                                   \
        if (bias) {                                                                        \
            while (out != end) *out++ = F(tp_wrap_add(*acc++, *bias++), *mul++, *sh++, o); \
        } else {                                                                           \
            U while (out != end) *out++ = F(*acc++, *mul++, *sh++, o);                     \
        }                                                                                  \
    } while (0)
/* Pointer steps and an end pointer: with an index GCC 12 (with -flto) kept two induction
 * variables, 3 more instructions an output. The usual mode (all of int8, no bias: the 3x3
 * depthwise) runs two outputs a turn: kws 6,188,279 -> 6,108,779 estimated cycles, person_detect
 * 18,421,581 -> 18,208,792; unrolling the other modes too added ~400 B of flash for nothing
 * measured. */
static inline void tp_rq_run(const int32_t *acc, const int32_t *bias, const int32_t *mul, const int32_t *sh,
                             int32_t n, const tp_rq_out *layer, int32_t mode, int8_t *out) {
    const tp_rq_out ol = *layer; /* a local: the int8 stores cannot alias it */
    const tp_rq_out *o = &ol;
    const int8_t *const end = out + n;
    if (TP_RQ_FULL_USED && mode == TP_RQ_FULL) TP_RQ_LOOP(tp_rq_full, _Pragma("GCC unroll 2"));
    else if (TP_RQ_RIGHT_USED && mode == TP_RQ_RIGHT) TP_RQ_LOOP(tp_rq_clamped, );
    else TP_RQ_LOOP(tp_rq_any, );
}
#undef TP_RQ_LOOP

#endif /* TP_REQUANT_DSP_H */
