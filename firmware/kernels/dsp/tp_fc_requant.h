/*
 * The dsp FULLY_CONNECTED kernels' requantisation (tp_fully_connected_s8.c and
 * tp_fully_connected_s8_pairs.c): tp_mbqm + output offset + clamp, with the parameters read
 * once per call.
 */
#ifndef TP_FC_REQUANT_H
#define TP_FC_REQUANT_H

#include "tp_dsp.h"
#include "tp_fixedpoint.h"
#include "tp_kernels.h"

/* The output's requantisation parameters, read once per call rather than per output. */
typedef struct {
    const int32_t *mult, *shift;
    int32_t mask; /* channel o's parameters are at o & mask: -1 per channel, 0 per tensor */
    int32_t offset, lo, hi;
    int32_t narrow; /* the activation range is narrower than int8's */
} fc_requant;

/* The initializer of a call's fc_requant from its tp_fc_s8_params (an initializer rather than
 * a function returning the struct: GCC 12 kept the fields in registers only that way, 1.4%
 * fewer instructions on hello_world's layers). */
#define TP_FC_REQUANT_INIT(p)                                                                   \
    {(p)->output_multiplier, (p)->output_shift, (p)->per_channel ? -1 : 0, (p)->output_offset, \
     (p)->activation_min,    (p)->activation_max,                                              \
     (p)->activation_min > -128 || (p)->activation_max < 127}

/* v saturated to int8 (SSAT). */
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP && !defined(TP_DSP_EMULATE)
static inline int32_t sat8(int32_t v) { return __ssat(v, 8); }
#else
static inline int32_t sat8(int32_t v) { return v < -128 ? -128 : v > 127 ? 127 : v; }
#endif

/* tp_mbqm + offset, clamped, with a branch on the shift's sign instead of computing both the
 * left-shifted and the plain products: for shift <= 0 it is RoundingDivideByPOT(SRDHM(acc, m),
 * -shift), for shift > 0 SRDHM(acc * 2^shift, m) (the division by 2^0 is the identity). */
static inline int8_t requant_q(const fc_requant *r, int32_t acc, int32_t o) {
    const int32_t m = r->mult[o & r->mask], shift = r->shift[o & r->mask];
    int32_t v;
    if (__builtin_expect(shift <= 0, 1))
        v = tp_rdivpot(tp_srdhm_nosat(acc, m), -shift);
    else
        v = tp_srdhm_nosat(tp_wrap_shl(acc, shift), m);
    /* lo >= -128 and hi <= 127 (int8 activations), so clamping to int8 first changes nothing;
     * a range of all of int8 (no activation, or a ReLU at zero point -128) needs only that. That
     * is the usual case, and marked so: GCC otherwise laid it out of line, two taken branches
     * per output (hello_world 3,262 -> 3,087 estimated cycles). */
    v = sat8(v + r->offset);
    return (int8_t)(__builtin_expect(r->narrow, 0) ? tp_clamp_i32(v, r->lo, r->hi) : v);
}

#endif
