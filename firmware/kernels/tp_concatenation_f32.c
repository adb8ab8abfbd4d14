/*
 * CONCATENATION, float — TFLM reference_ops::Concatenation: for each outer index, copy each
 * input's axis_sizes[i] * inner_size contiguous elements in input order.
 */
#include <string.h>

#include "tp_kernel_util.h"
#include "tp_kernels.h"

tp_status tp_concatenation_f32(const tp_concat_params *params, const float *const *inputs,
                              float *output) {
    int32_t i, o;
    float *out = output;
    TP_CHECK(params && inputs && output && params->axis_sizes, TP_ERR_NULL);
    TP_CHECK(params->num_inputs >= 1 && params->outer_size >= 1 && params->inner_size >= 1,
             TP_ERR_SHAPE);
    for (i = 0; i < params->num_inputs; ++i) {
        TP_CHECK(params->axis_sizes[i] >= 0, TP_ERR_SHAPE);
        /* An empty input may have no buffer at all. */
        TP_CHECK(inputs[i] != NULL || params->axis_sizes[i] == 0, TP_ERR_NULL);
    }
    for (o = 0; o < params->outer_size; ++o) {
        for (i = 0; i < params->num_inputs; ++i) {
            const size_t n = (size_t)params->axis_sizes[i] * (size_t)params->inner_size;
            if (n != 0) memcpy(out, inputs[i] + (size_t)o * n, n * sizeof(float));
            out += n;
        }
    }
    return TP_OK;
}
