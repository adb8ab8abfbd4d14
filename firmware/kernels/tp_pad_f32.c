/*
 * PAD, float — TFLM reference_ops::Pad (constant mode): every output element whose coordinates
 * fall inside [before, before + input extent) on all dims takes the input element, the rest
 * take pad_value. Rows of the last dimension are copied with memcpy.
 */
#include <string.h>

#include "tp_kernel_util.h"
#include "tp_kernels.h"

tp_status tp_pad_f32(const tp_pad_f32_params *params, const float *input, float *output) {
    int32_t rank, d;
    int32_t out_dims[TP_MAX_DIMS];
    int32_t idx[TP_MAX_DIMS] = {0};
    TP_CHECK(params && input && output, TP_ERR_NULL);
    rank = params->input.rank;
    TP_CHECK(rank >= 1 && tp_shape_size(&params->input) >= 1, TP_ERR_SHAPE);
    for (d = 0; d < rank; ++d) {
        TP_CHECK(params->before[d] >= 0 && params->after[d] >= 0, TP_ERR_PARAM);
        out_dims[d] = params->before[d] + params->input.dims[d] + params->after[d];
    }
    {
        const int32_t last = rank - 1;
        const int32_t in_row = params->input.dims[last];
        const int32_t pre = params->before[last], post = params->after[last];
        const int32_t out_row = out_dims[last];
        const float pad = params->pad_value;
        const float *in = input;
        float *out = output;
        for (;;) {
            /* The row at outer coordinates idx[0..last-1]: padding unless every coordinate is
             * inside the input. Input rows are visited in order, so a running pointer works. */
            int inside = 1;
            int32_t k;
            for (d = 0; d < last; ++d) {
                if (idx[d] < params->before[d] || idx[d] >= params->before[d] + params->input.dims[d]) {
                    inside = 0;
                    break;
                }
            }
            if (inside) {
                for (k = 0; k < pre; ++k) *out++ = pad;
                memcpy(out, in, (size_t)in_row * sizeof(float));
                out += in_row;
                in += in_row;
                for (k = 0; k < post; ++k) *out++ = pad;
            } else {
                for (k = 0; k < out_row; ++k) *out++ = pad;
            }
            for (d = last - 1; d >= 0; --d) {
                if (++idx[d] < out_dims[d]) break;
                idx[d] = 0;
            }
            if (d < 0) break;
        }
    }
    return TP_OK;
}
