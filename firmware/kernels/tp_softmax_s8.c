/*
 * SOFTMAX, int8 -> int8 — TFLM reference_ops::Softmax<int8_t, int8_t>, bit for bit:
 *  1. max of the row;
 *  2. for each x with diff = x - max >= diff_min: scale diff to Q5.26 with
 *     MultiplyByQuantizedMultiplierGreaterThanOne, exp with gemmlowp's fixed-point
 *     exp_on_negative_values (Q0.31), accumulate Rescale<12>(exp) into a Q12.19 sum;
 *  3. reciprocal of the sum with GetReciprocal (Q0.31 scale + exponent);
 *  4. each output = RoundingDivideByPOT(scale * exp, exponent) - 128, clamped to int8;
 *     elements below diff_min give -128.
 * The exp is computed twice per element (as TFLM does) instead of keeping a buffer: the
 * kernel stays scratch-free.
 */
#include "tp_fixedpoint.h"
#include "tp_kernel_util.h"
#include "tp_kernels.h"

enum {
    kScaledDiffIntegerBits = 5,   /* exp input in Q5.26 */
    kAccumulationIntegerBits = 12 /* sum of exps in Q12.19 */
};

/* exp(diff * input scale) in Q0.31 for diff = x - max of the row (diff >= diff_min). Out of line:
 * both passes call it, and inlined twice it was 600 of the kernel's 1,200 bytes (issue #14,
 * flash); the call costs a few instructions per element of a layer that runs once. */
static TP_NOINLINE int32_t softmax_exp(const tp_softmax_s8_params *params, int32_t diff) {
    const int32_t scaled = tp_mbqm_gt_one(diff, params->input_multiplier, (int)params->input_left_shift);
    return tp_exp_on_negative_values(scaled, kScaledDiffIntegerBits);
}

tp_status tp_softmax_s8(const tp_softmax_s8_params *params, const int8_t *input,
                        int8_t *output) {
    int32_t i, c;
    TP_CHECK(params && input && output, TP_ERR_NULL);
    TP_CHECK(params->outer_size >= 1 && params->depth >= 1 && params->depth <= 4095,
             TP_ERR_SHAPE);
    TP_CHECK(params->input_multiplier >= 0 && params->input_left_shift >= 0 &&
                 params->input_left_shift <= 30 && params->diff_min <= 0,
             TP_ERR_PARAM);
    for (i = 0; i < params->outer_size; ++i) {
        const int8_t *x = input + (size_t)i * (size_t)params->depth;
        int8_t *y = output + (size_t)i * (size_t)params->depth;
        int32_t max_in_row = -128;
        int32_t sum_of_exps = 0; /* Q12.19 */
        int32_t shifted_scale;
        int num_bits_over_unit;
        int exponent;
        for (c = 0; c < params->depth; ++c) {
            if (x[c] > max_in_row) max_in_row = x[c];
        }
        for (c = 0; c < params->depth; ++c) {
            const int32_t diff = (int32_t)x[c] - max_in_row;
            if (diff >= params->diff_min) {
                const int32_t e = softmax_exp(params, diff);
                /* Rescale<12> from Q0.31: rounding divide by 2^12. */
                sum_of_exps = tp_wrap_add(sum_of_exps, tp_rdivpot(e, kAccumulationIntegerBits));
            }
        }
        shifted_scale = tp_get_reciprocal(sum_of_exps, kAccumulationIntegerBits, &num_bits_over_unit);
        /* num_bits_over_unit + 31 - 8 for an 8-bit output; in [0, 31] for any sum >= 1. */
        exponent = num_bits_over_unit + 31 - 8;
        if (exponent < 0 || exponent > 31) return TP_ERR_PARAM;
        for (c = 0; c < params->depth; ++c) {
            const int32_t diff = (int32_t)x[c] - max_in_row;
            if (diff >= params->diff_min) {
                const int32_t e = softmax_exp(params, diff);
                const int32_t unsat = tp_rdivpot(tp_srdhm(shifted_scale, e), exponent);
                y[c] = (int8_t)tp_clamp_i32(unsat - 128, -128, 127);
            } else {
                y[c] = -128;
            }
        }
    }
    return TP_OK;
}
