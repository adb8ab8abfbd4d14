/*
 * ADD, int8 — TFLM reference_integer_ops::Add / BroadcastAdd*DSlow, element by element:
 * both inputs are offset, shifted left by left_shift (20) and rescaled to a common scale with
 * their own multipliers, summed, rescaled to the output, offset and clamped.
 */
#include "tp_fixedpoint.h"
#include "tp_kernel_util.h"
#include "tp_kernels.h"

static inline int8_t add_one(const tp_add_s8_params *p, int32_t x1, int32_t x2) {
    const int32_t a = tp_wrap_shl(x1 + p->input1_offset, (int)p->left_shift);
    const int32_t b = tp_wrap_shl(x2 + p->input2_offset, (int)p->left_shift);
    const int32_t sa = tp_mbqm(a, p->input1_multiplier, p->input1_shift);
    const int32_t sb = tp_mbqm(b, p->input2_multiplier, p->input2_shift);
    const int32_t raw = tp_mbqm(tp_wrap_add(sa, sb), p->output_multiplier, p->output_shift) +
                        p->output_offset;
    return (int8_t)tp_clamp_i32(raw, p->activation_min, p->activation_max);
}

tp_status tp_add_s8(const tp_add_s8_params *params, const int8_t *input1, const int8_t *input2,
                    int8_t *output) {
    tp_broadcast_plan plan;
    tp_status st;
    TP_CHECK(params && input1 && input2 && output, TP_ERR_NULL);
    st = tp_broadcast_prepare(&params->input1, &params->input2, &params->output, &plan);
    if (st != TP_OK) return st;
    TP_CHECK(tp_s8_range_ok(params->activation_min, params->activation_max), TP_ERR_PARAM);
    TP_CHECK(params->left_shift >= 0 && params->left_shift <= 22, TP_ERR_PARAM);
    /* The SmallerThanOneExp multipliers of TFLM: right shifts only. */
    TP_CHECK(params->input1_shift <= 0 && params->input1_shift >= -31 &&
                 params->input2_shift <= 0 && params->input2_shift >= -31 &&
                 params->output_shift <= 0 && params->output_shift >= -31,
             TP_ERR_PARAM);
    TP_CHECK(params->input1_multiplier >= 0 && params->input2_multiplier >= 0 &&
                 params->output_multiplier >= 0,
             TP_ERR_PARAM);
    if (tp_broadcast_is_flat(&plan)) {
        const int32_t n = tp_shape_size(&params->output);
        int32_t i;
        for (i = 0; i < n; ++i) output[i] = add_one(params, input1[i], input2[i]);
    } else {
#define TP_ADD_ELEM(o, i1, i2) output[o] = add_one(params, input1[i1], input2[i2])
        TP_BROADCAST_FOR_EACH(plan, TP_ADD_ELEM);
#undef TP_ADD_ELEM
    }
    return TP_OK;
}
