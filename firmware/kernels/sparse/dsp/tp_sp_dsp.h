/*
 * Internal to the sparse dsp/ kernels (Cortex-M4/M7/M33/M55, Armv7E-M / Armv8-M DSP
 * extension): the few SIMD operations they use — SXTB16 (two sign-extended bytes as int16
 * lanes), PKHBT (two values into the lanes of one word) and SMLAD (two 16x16 products added
 * to an accumulator) — plus unaligned word loads.
 *
 * With __ARM_FEATURE_DSP they are the ACLE intrinsics (and one asm form, SXTB16 with ROR #8,
 * which the intrinsic cannot express). With TP_DSP_EMULATE they are exact C emulations, lane
 * by lane with the instructions' wrap-around, so the kernels' index arithmetic and tails run on
 * the host under AddressSanitizer. Anything else is a build error: the build chose the wrong
 * variant for the core.
 */
#ifndef TP_SP_DSP_H
#define TP_SP_DSP_H

#include <stdint.h>
#include <string.h>

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP && !defined(TP_DSP_EMULATE)

#include <arm_acle.h>

static inline uint32_t tp_sp_sxtb16(uint32_t x) { return (uint32_t)__sxtb16((int8x4_t)x); }
static inline uint32_t tp_sp_sxtb16_ror8(uint32_t x) {
    uint32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}
static inline int32_t tp_sp_smlad(uint32_t a, uint32_t b, int32_t acc) {
    return __smlad((int16x2_t)a, (int16x2_t)b, acc);
}
/* lo in the low lane, hi in the high lane (PKHBT lo, hi, LSL #16). */
static inline uint32_t tp_sp_pack16(int32_t lo, int32_t hi) {
    uint32_t r;
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(lo), "r"(hi));
    return r;
}

#elif defined(TP_DSP_EMULATE)

static inline int32_t tp_sp_lo16(uint32_t x) { return (int16_t)(uint16_t)(x & 0xFFFFu); }
static inline int32_t tp_sp_hi16(uint32_t x) { return (int16_t)(uint16_t)(x >> 16); }
static inline uint32_t tp_sp_pack16(int32_t lo, int32_t hi) {
    return ((uint32_t)(uint16_t)lo) | ((uint32_t)(uint16_t)hi << 16);
}
static inline uint32_t tp_sp_sxtb16(uint32_t x) {
    return tp_sp_pack16((int8_t)(uint8_t)(x & 0xFFu), (int8_t)(uint8_t)((x >> 16) & 0xFFu));
}
static inline uint32_t tp_sp_sxtb16_ror8(uint32_t x) { return tp_sp_sxtb16((x >> 8) | (x << 24)); }
static inline int32_t tp_sp_smlad(uint32_t a, uint32_t b, int32_t acc) {
    const uint32_t p = (uint32_t)(tp_sp_lo16(a) * tp_sp_lo16(b)) + (uint32_t)(tp_sp_hi16(a) * tp_sp_hi16(b));
    return (int32_t)((uint32_t)acc + p);
}

#else
#error "firmware/kernels/sparse/dsp needs a core with the DSP extension (Cortex-M4/M7/M33/M55); build the plain sparse kernels for this target, or define TP_DSP_EMULATE for a host test build"
#endif

/* 4 bytes from any address (one LDR on Cortex-M3 and later; __builtin_memcpy stays inline
 * even where memcpy calls would not). */
static inline uint32_t tp_sp_ld32(const void *p) {
    uint32_t v;
#if defined(__GNUC__) || defined(__clang__)
    __builtin_memcpy(&v, p, 4);
#else
    memcpy(&v, p, 4);
#endif
    return v;
}

/* acc + sum of a[k] * b[k] over n bytes: 4 at a time with two SMLAD, then the rest. Exact:
 * each int16 lane holds one int8 value and products are added as int32. */
static inline int32_t tp_sp_dot_s8_dsp(const int8_t *a, const int8_t *b, int32_t n, int32_t acc) {
    const int8_t *end4 = a + (n & ~3);
    const int8_t *end = a + n;
    while (a < end4) {
        const uint32_t wa = tp_sp_ld32(a), wb = tp_sp_ld32(b);
        acc = tp_sp_smlad(tp_sp_sxtb16(wa), tp_sp_sxtb16(wb), acc);
        acc = tp_sp_smlad(tp_sp_sxtb16_ror8(wa), tp_sp_sxtb16_ror8(wb), acc);
        a += 4;
        b += 4;
    }
    while (a < end) acc += (int32_t)*a++ * *b++;
    return acc;
}

#endif /* TP_SP_DSP_H */
