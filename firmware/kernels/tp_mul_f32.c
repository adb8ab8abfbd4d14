/*
 * MUL, float32 — TFLM reference_ops (element-wise and BroadcastMul*DSlow):
 * y = clamp(x1 * x2) per element, one rounding for the mul and none elsewhere.
 */
#include "tp_kernel_util.h"
#include "tp_kernels.h"

tp_status tp_mul_f32(const tp_binary_f32_params *params, const float *input1,
                     const float *input2, float *output) {
    tp_broadcast_plan plan;
    tp_status st;
    TP_CHECK(params && input1 && input2 && output, TP_ERR_NULL);
    st = tp_broadcast_prepare(&params->input1, &params->input2, &params->output, &plan);
    if (st != TP_OK) return st;
    TP_CHECK(!(params->activation_max < params->activation_min), TP_ERR_PARAM);
    {
        const float lo = params->activation_min, hi = params->activation_max;
        if (tp_broadcast_is_flat(&plan)) {
            const int32_t n = tp_shape_size(&params->output);
            int32_t i;
            for (i = 0; i < n; ++i) output[i] = tp_clamp_f32(input1[i] * input2[i], lo, hi);
        } else {
#define TP_ELEM(o, i1, i2) output[o] = tp_clamp_f32(input1[i1] * input2[i2], lo, hi)
            TP_BROADCAST_FOR_EACH(plan, TP_ELEM);
#undef TP_ELEM
        }
    }
    return TP_OK;
}
