/*
 * SOFTMAX, float32 — TFLM reference_ops::Softmax (float): per row, max (from -FLT_MAX with
 * std::max), then e_c = expf((x_c - max) * beta) stored in the output and summed in order,
 * then y_c = e_c / sum. Exactness depends on expf: newlib and glibc may differ by 1 ulp.
 * Output may alias input (each input is read before its output is written).
 */
#include <float.h>
#include <math.h>

#include "tp_kernel_util.h"
#include "tp_kernels.h"

tp_status tp_softmax_f32(const tp_softmax_f32_params *params, const float *input,
                         float *output) {
    int32_t i, c;
    TP_CHECK(params && input && output, TP_ERR_NULL);
    TP_CHECK(params->outer_size >= 1 && params->depth >= 1, TP_ERR_SHAPE);
    for (i = 0; i < params->outer_size; ++i) {
        const float *x = input + (size_t)i * (size_t)params->depth;
        float *y = output + (size_t)i * (size_t)params->depth;
        float max = -FLT_MAX;
        float sum = 0.0f;
        for (c = 0; c < params->depth; ++c) {
            max = (max < x[c]) ? x[c] : max;
        }
        for (c = 0; c < params->depth; ++c) {
            const float e = expf((x[c] - max) * params->beta);
            y[c] = e;
            sum += e;
        }
        for (c = 0; c < params->depth; ++c) {
            y[c] = y[c] / sum;
        }
    }
    return TP_OK;
}
