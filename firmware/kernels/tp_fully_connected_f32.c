/*
 * FULLY_CONNECTED, float32 — TFLM reference_ops::FullyConnected: one running float total per
 * output, summed over the depth in order, then bias, then the activation clamp.
 * Compile with -ffp-contract=off (see tp_kernels.h).
 */
#include "tp_kernel_util.h"
#include "tp_kernels.h"

tp_status tp_fully_connected_f32(const tp_fc_f32_params *params, const float *input,
                                 const float *filter, const float *bias, float *output) {
    int32_t b, o, d;
    TP_CHECK(params && input && filter && output, TP_ERR_NULL);
    TP_CHECK(params->batches >= 1 && params->input_depth >= 1 && params->output_depth >= 1,
             TP_ERR_SHAPE);
    TP_CHECK(!(params->activation_max < params->activation_min), TP_ERR_PARAM);
    {
        const int32_t depth = params->input_depth;
        const int32_t outs = params->output_depth;
        for (b = 0; b < params->batches; ++b) {
            const float *x = input + (size_t)b * (size_t)depth;
            for (o = 0; o < outs; ++o) {
                const float *w = filter + (size_t)o * (size_t)depth;
                float total = 0.0f;
                float bias_value = 0.0f;
                for (d = 0; d < depth; ++d) {
                    total += x[d] * w[d];
                }
                if (bias) bias_value = bias[o];
                output[(size_t)b * (size_t)outs + (size_t)o] =
                    tp_clamp_f32(total + bias_value, params->activation_min,
                                 params->activation_max);
            }
        }
    }
    return TP_OK;
}
