/*
 * QUANTIZE int8 -> int8 (requantise) — TFLM reference_ops::Requantize:
 * y = clamp(MBQM(x - input_zero_point, multiplier, shift) + output_zero_point, -128, 127).
 * Output may alias input.
 */
#include "tp_fixedpoint.h"
#include "tp_kernel_util.h"
#include "tp_kernels.h"

tp_status tp_quantize_s8(const tp_quantize_s8_params *params, const int8_t *input,
                         int8_t *output) {
    int32_t i;
    TP_CHECK(params && input && output, TP_ERR_NULL);
    TP_CHECK(params->size >= 0, TP_ERR_SHAPE);
    TP_CHECK(params->multiplier >= 0 && tp_shift_ok(params->shift), TP_ERR_PARAM);
    TP_CHECK(params->input_zero_point >= -128 && params->input_zero_point <= 127 &&
                 params->output_zero_point >= -128 && params->output_zero_point <= 127,
             TP_ERR_PARAM);
    for (i = 0; i < params->size; ++i) {
        const int32_t v = tp_mbqm((int32_t)input[i] - params->input_zero_point, params->multiplier,
                                  params->shift) +
                          params->output_zero_point;
        output[i] = (int8_t)tp_clamp_i32(v, -128, 127);
    }
    return TP_OK;
}
