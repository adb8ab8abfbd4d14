/*
 * QUANTIZE float32 -> int8 — TFLM reference_ops::AffineQuantize:
 * y = clamp(roundf(x / scale) + zero_point, -128, 127), the division in float (TFLM's scale
 * is a double holding the float scale, cast back to float before dividing) and roundf
 * rounding half away from zero (TfLiteRound).
 */
#include <math.h>

#include "tp_fixedpoint.h"
#include "tp_kernel_util.h"
#include "tp_kernels.h"

tp_status tp_quantize_f32(const tp_quantize_f32_params *params, const float *input,
                          int8_t *output) {
    int32_t i;
    TP_CHECK(params && input && output, TP_ERR_NULL);
    TP_CHECK(params->size >= 0, TP_ERR_SHAPE);
    TP_CHECK(params->scale > 0.0f && params->zero_point >= -128 && params->zero_point <= 127,
             TP_ERR_PARAM);
    for (i = 0; i < params->size; ++i) {
        const float r = roundf(input[i] / params->scale);
        int32_t q;
        /* Converting a float outside the int32 range is undefined in C; saturate like the Arm
         * VCVT instruction (x86 would give INT32_MIN). NaN compares false and gives 0. */
        if (r >= 2147483648.0f) {
            q = INT32_MAX;
        } else if (r > -2147483648.0f) {
            q = (int32_t)r;
        } else if (r <= -2147483648.0f) {
            q = INT32_MIN;
        } else {
            q = 0;
        }
        /* TFLM's int32 "+ zero_point" wraps at the extremes; so does this. */
        output[i] = (int8_t)tp_clamp_i32(tp_wrap_add(q, params->zero_point), -128, 127);
    }
    return TP_OK;
}
