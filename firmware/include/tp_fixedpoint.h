/*
 * Fixed-point helpers shared by the int8 kernels: the exact integer arithmetic TFLite Micro
 * uses for requantisation (gemmlowp's SaturatingRoundingDoublingHighMul and
 * RoundingDivideByPOT, TFLite's double-rounding MultiplyByQuantizedMultiplier) and the pieces
 * of gemmlowp's fixed-point math its int8 SOFTMAX needs (exp on negative values, 1/(1+x)).
 *
 * Written from the arithmetic definitions, not copied; every function states the TFLite /
 * gemmlowp function it reproduces bit for bit. All static inline, C99.
 *
 * Right shifts of negative values (int32 and int64) are arithmetic on every compiler we
 * target (GCC, Clang, armclang); C99 leaves them implementation-defined.
 *
 * Integer-overflow policy: where the reference relies on two's-complement wrap-around of int32
 * (a left shift by the multiplier's exponent, or a sum that the quantisation scheme keeps in
 * range), we compute in uint32_t and convert back, which GCC and Clang define as modular. That
 * gives the same bits as TFLM in practice and keeps -fsanitize=undefined quiet.
 */
#ifndef TP_FIXEDPOINT_H
#define TP_FIXEDPOINT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Wrapping int32 arithmetic (see the overflow policy above). */
static inline int32_t tp_wrap_add(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }
static inline int32_t tp_wrap_sub(int32_t a, int32_t b) { return (int32_t)((uint32_t)a - (uint32_t)b); }
static inline int32_t tp_wrap_shl(int32_t a, int s) { return (int32_t)((uint32_t)a << s); }

static inline int32_t tp_min_i32(int32_t a, int32_t b) { return a < b ? a : b; }
static inline int32_t tp_max_i32(int32_t a, int32_t b) { return a > b ? a : b; }

/* Clamp of a fused activation, in the order TFLM applies it: max with the lower bound first,
 * then min with the upper bound (only matters when lo > hi, which callers reject). */
static inline int32_t tp_clamp_i32(int32_t x, int32_t lo, int32_t hi) {
    x = x < lo ? lo : x;
    return hi < x ? hi : x;
}

/* gemmlowp::SaturatingRoundingDoublingHighMul(int32 a, int32 b) without its one saturating
 * case (a == b == INT32_MIN), so for any b != INT32_MIN — every requantisation multiplier.
 *
 * gemmlowp computes (a*b + nudge) / 2^31 truncated toward zero with nudge = 2^30 when
 * a*b >= 0 and 1 - 2^30 otherwise. For a*b >= 0 that is floor((a*b + 2^30) / 2^31); for
 * a*b < 0 the dividend y = a*b + 1 - 2^30 is negative and trunc(y / 2^31) =
 * floor((y + 2^31 - 1) / 2^31) = floor((a*b + 2^30) / 2^31) again. So both cases are one
 * multiply-accumulate and an arithmetic shift (SMULL + ADDS/ADC + shifts on Cortex-M) instead
 * of the branches and 64-bit division of the literal formula. (Checked exhaustively on the
 * tie cases and on 2e8 random pairs against the literal formula.) */
static inline int32_t tp_srdhm_nosat(int32_t a, int32_t b) {
    return (int32_t)(((int64_t)a * (int64_t)b + ((int64_t)1 << 30)) >> 31);
}

/* gemmlowp::SaturatingRoundingDoublingHighMul(int32, int32): round(a*b / 2^31) (ties toward
 * +infinity, see above), saturating the single overflow case INT32_MIN * INT32_MIN. Same as
 * the ARM VQRDMULH instruction. */
static inline int32_t tp_srdhm(int32_t a, int32_t b) {
    if (a == b && a == INT32_MIN) return INT32_MAX;
    return tp_srdhm_nosat(a, b);
}

/* gemmlowp::RoundingDivideByPOT(int32, exponent): x / 2^exponent rounded to nearest, ties
 * away from zero. 0 <= exponent <= 31. */
static inline int32_t tp_rdivpot(int32_t x, int exponent) {
    const int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* tflite::MultiplyByQuantizedMultiplier(int32 x, int32 multiplier, int shift), the default
 * double-rounding build (TFLITE_SINGLE_ROUNDING off, as in TFLM's reference kernels):
 *   left = max(shift, 0), right = max(-shift, 0)
 *   RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x * 2^left, multiplier), right)
 * multiplier is a Q0.31 value in [2^30, 2^31) (or 0) — never INT32_MIN, so the doubling high
 * multiply cannot saturate (the kernels check multiplier >= 0); shift in [-31, 30]. The
 * x * 2^left product wraps like the reference's int32 multiply. */
static inline int32_t tp_mbqm(int32_t x, int32_t multiplier, int32_t shift) {
    const int left = shift > 0 ? (int)shift : 0;
    const int right = shift > 0 ? 0 : (int)-shift;
    return tp_rdivpot(tp_srdhm_nosat(tp_wrap_shl(x, left), multiplier), right);
}

/* tflite::MultiplyByQuantizedMultiplierGreaterThanOne (double rounding):
 * SaturatingRoundingDoublingHighMul(x * 2^left_shift, multiplier), left_shift >= 0. */
static inline int32_t tp_mbqm_gt_one(int32_t x, int32_t multiplier, int left_shift) {
    return tp_srdhm_nosat(tp_wrap_shl(x, left_shift), multiplier); /* multiplier >= 0 */
}

/* gemmlowp::SaturatingRoundingMultiplyByPOT<exponent>(int32): for exponent > 0 a left shift
 * that saturates to INT32_MIN/INT32_MAX, for exponent < 0 RoundingDivideByPOT(-exponent). */
static inline int32_t tp_sat_round_mul_pot(int32_t x, int exponent) {
    if (exponent == 0) return x;
    if (exponent < 0) return tp_rdivpot(x, -exponent);
    {
        const int32_t threshold = (int32_t)(((int64_t)1 << (31 - exponent)) - 1);
        if (x > threshold) return INT32_MAX;
        if (x < -threshold) return INT32_MIN;
        return tp_wrap_shl(x, exponent);
    }
}

/* gemmlowp::RoundingHalfSum(int32, int32): (a + b) / 2 rounded to nearest, ties away. */
static inline int32_t tp_rounding_half_sum(int32_t a, int32_t b) {
    const int64_t sum = (int64_t)a + (int64_t)b;
    const int64_t sign = sum >= 0 ? 1 : -1;
    return (int32_t)((sum + sign) / 2);
}

/* Count of leading zero bits of a uint32 (32 for 0), as tflite::CountLeadingZeros. */
static inline int tp_clz32(uint32_t x) {
#if defined(__GNUC__) || defined(__clang__)
    return x == 0 ? 32 : __builtin_clz(x);
#else
    int n = 0;
    if (x == 0) return 32;
    while ((x & 0x80000000u) == 0) {
        x <<= 1;
        ++n;
    }
    return n;
#endif
}

/* Fixed-point values below are raw int32 with an implied number of integer bits, written
 * Qm.(31-m) ("F0" = Q0.31, "F2" = Q2.29, ...). Multiplying Qa by Qb with tp_srdhm gives
 * Q(a+b), as gemmlowp's FixedPoint operator*. */

/* gemmlowp::exp_on_interval_between_negative_one_quarter_and_0_excl(F0 a) -> F0 */
static inline int32_t tp_exp_on_interval_m025_0(int32_t a) {
    const int32_t constant_term = 1895147668;   /* exp(-1/8) in Q0.31 */
    const int32_t constant_1_over_3 = 715827883; /* 1/3 in Q0.31 */
    /* Taylor expansion around -1/8: x = a + 1/8 (1/8 is 1 << 28 in Q0.31). */
    const int32_t x = tp_wrap_add(a, (int32_t)1 << 28);
    const int32_t x2 = tp_srdhm(x, x);
    const int32_t x3 = tp_srdhm(x2, x);
    const int32_t x4 = tp_srdhm(x2, x2);
    const int32_t x4_over_4 = tp_sat_round_mul_pot(x4, -2);
    const int32_t poly = tp_sat_round_mul_pot(
        tp_wrap_add(tp_srdhm(tp_wrap_add(x4_over_4, x3), constant_1_over_3), x2), -1);
    /* AddSaturatingIf16Bit is a plain add for int32. */
    return tp_wrap_add(constant_term, tp_srdhm(constant_term, tp_wrap_add(x, poly)));
}

/* gemmlowp::exp_on_negative_values(FixedPoint<int32, integer_bits> a) -> F0, for a <= 0.
 * integer_bits in [0, 30]; TFLM's int8 softmax uses 5 (input diff in Q5.26). */
static inline int32_t tp_exp_on_negative_values(int32_t a, int integer_bits) {
    const int fractional_bits = 31 - integer_bits;
    const int32_t one_quarter = (int32_t)1 << (fractional_bits - 2);
    const int32_t mask = one_quarter - 1;
    const int32_t a_mod_quarter_minus_one_quarter = tp_wrap_sub(a & mask, one_quarter);
    /* Rescale<0> from integer_bits: a saturating multiply by 2^integer_bits. */
    int32_t result =
        tp_exp_on_interval_m025_0(tp_sat_round_mul_pot(a_mod_quarter_minus_one_quarter, integer_bits));
    const int32_t remainder = tp_wrap_sub(a_mod_quarter_minus_one_quarter, a);
    /* Barrel shifter: multiply by exp(-2^k) for each bit k of the remainder, k = -2 .. 4
     * (the constants are exp(-1/4), exp(-1/2), exp(-1), exp(-2), exp(-4), exp(-8), exp(-16)
     * in Q0.31). A bit is only present when integer_bits > k. */
    static const int32_t multipliers[7] = {1672461947, 1302514674, 790015084, 290630308,
                                           39332535,   720401,     242};
    int k;
    for (k = -2; k <= 4; ++k) {
        if (integer_bits > k) {
            const int shift = fractional_bits + k;
            if ((remainder & ((int32_t)1 << shift)) != 0) {
                result = tp_srdhm(result, multipliers[k + 2]);
            }
        }
    }
    if (integer_bits > 5) {
        /* Inputs below -32 give exactly 0. */
        const int32_t clamp = -((int32_t)1 << (36 - integer_bits));
        if (a < clamp) result = 0;
    }
    if (a == 0) result = INT32_MAX; /* F0::One() */
    return result;
}

/* gemmlowp::one_over_one_plus_x_for_x_in_0_1(F0 a) -> F0 = 1/(1+a), for a in [0, 1).
 * Newton-Raphson on 1/d with d = (1+a)/2 (the "half denominator", in [0.5, 1)) in Q2.29,
 * starting from 48/17 - 32/17 d, three steps; 1/(1+a) = (1/d) / 2. */
static inline int32_t tp_one_over_one_plus_x_for_x_in_0_1(int32_t a) {
    const int32_t half_denominator = tp_rounding_half_sum(a, INT32_MAX); /* F0 */
    const int32_t constant_48_over_17 = 1515870810;  /* F2 */
    const int32_t constant_neg_32_over_17 = -1010580540; /* F2 */
    const int32_t f2_one = (int32_t)1 << 29;
    int32_t x = tp_wrap_add(constant_48_over_17, tp_srdhm(half_denominator, constant_neg_32_over_17));
    int i;
    for (i = 0; i < 3; ++i) {
        const int32_t half_denominator_times_x = tp_srdhm(half_denominator, x); /* F2 */
        const int32_t one_minus_half_denominator_times_x = tp_wrap_sub(f2_one, half_denominator_times_x);
        /* x * (...) is F4; Rescale<2> multiplies by 2^2 with saturation. */
        x = tp_wrap_add(x, tp_sat_round_mul_pot(tp_srdhm(x, one_minus_half_denominator_times_x), 2));
    }
    /* ExactMulByPot<-1> reinterprets F2 as F1 (raw unchanged); Rescale<0> from F1 is a
     * saturating doubling. */
    return tp_sat_round_mul_pot(x, 1);
}

/* tflite::GetReciprocal(x, x_integer_digits, &num_bits_over_unit): x > 0 in
 * Q(x_integer_digits); returns a Q0.31 scale s and an exponent so that
 * 1/x = s * 2^-num_bits_over_unit (up to rounding). */
static inline int32_t tp_get_reciprocal(int32_t x, int x_integer_digits, int *num_bits_over_unit) {
    const int headroom_plus_one = tp_clz32((uint32_t)x);
    uint32_t shifted;
    *num_bits_over_unit = x_integer_digits - headroom_plus_one;
    /* (x << headroom_plus_one) - 1.0 in Q0.31; a shift by 32 (x == 0) cannot happen for a
     * softmax sum, which always includes exp(0) = 1. */
    shifted = headroom_plus_one >= 32 ? 0u : ((uint32_t)x << headroom_plus_one);
    return tp_one_over_one_plus_x_for_x_in_0_1((int32_t)(shifted - ((uint32_t)1 << 31)));
}

#ifdef __cplusplus
}
#endif

#endif /* TP_FIXEDPOINT_H */
