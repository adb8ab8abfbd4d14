/*
 * DEQUANTIZE int8 -> float32 — TFLM reference_ops::Dequantize: its scale is a double (the
 * float scale widened), so the product is a double multiply rounded once to float:
 * y = (float)((double)scale * (double)(x - zero_point)). On single-precision FPUs the double
 * multiply is done in software; the result is the same IEEE value.
 */
#include "tp_kernel_util.h"
#include "tp_kernels.h"

tp_status tp_dequantize_s8(const tp_dequantize_s8_params *params, const int8_t *input,
                           float *output) {
    int32_t i;
    TP_CHECK(params && input && output, TP_ERR_NULL);
    TP_CHECK(params->size >= 0, TP_ERR_SHAPE);
    TP_CHECK(params->zero_point >= -128 && params->zero_point <= 127, TP_ERR_PARAM);
    {
        const double scale = (double)params->scale;
        for (i = 0; i < params->size; ++i) {
            output[i] = (float)(scale * (double)((int32_t)input[i] - params->zero_point));
        }
    }
    return TP_OK;
}
