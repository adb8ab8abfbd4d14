/*
 * MUL, int8 — TFLM reference_integer_ops::MulElementwise / BroadcastMul*DSlow:
 * y = clamp(MBQM((x1 + off1) * (x2 + off2), multiplier, shift) + output_offset).
 */
#include "tp_fixedpoint.h"
#include "tp_kernel_util.h"
#include "tp_kernels.h"

static inline int8_t mul_one(const tp_mul_s8_params *p, int32_t x1, int32_t x2) {
    const int32_t prod = (x1 + p->input1_offset) * (x2 + p->input2_offset);
    const int32_t raw = tp_mbqm(prod, p->output_multiplier, p->output_shift) + p->output_offset;
    return (int8_t)tp_clamp_i32(raw, p->activation_min, p->activation_max);
}

tp_status tp_mul_s8(const tp_mul_s8_params *params, const int8_t *input1, const int8_t *input2,
                    int8_t *output) {
    tp_broadcast_plan plan;
    tp_status st;
    TP_CHECK(params && input1 && input2 && output, TP_ERR_NULL);
    st = tp_broadcast_prepare(&params->input1, &params->input2, &params->output, &plan);
    if (st != TP_OK) return st;
    TP_CHECK(tp_s8_range_ok(params->activation_min, params->activation_max), TP_ERR_PARAM);
    TP_CHECK(params->input1_offset >= -255 && params->input1_offset <= 255 &&
                 params->input2_offset >= -255 && params->input2_offset <= 255,
             TP_ERR_PARAM);
    TP_CHECK(params->output_multiplier >= 0 && tp_shift_ok(params->output_shift), TP_ERR_PARAM);
    if (tp_broadcast_is_flat(&plan)) {
        const int32_t n = tp_shape_size(&params->output);
        int32_t i;
        for (i = 0; i < n; ++i) output[i] = mul_one(params, input1[i], input2[i]);
    } else {
#define TP_MUL_ELEM(o, i1, i2) output[o] = mul_one(params, input1[i1], input2[i2])
        TP_BROADCAST_FOR_EACH(plan, TP_MUL_ELEM);
#undef TP_MUL_ELEM
    }
    return TP_OK;
}
