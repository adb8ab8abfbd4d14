/*
 * MEAN, float32 — TFLM reference_ops::Mean (the generic one, and the 4-D axes {1,2} special
 * case, which adds in the same order): per output element, a float total of its input
 * elements in row-major order, divided by the float element count.
 */
#include "tp_kernel_util.h"
#include "tp_kernels.h"

tp_status tp_mean_f32(const tp_mean_f32_params *params, const float *input, float *output) {
    tp_mean_plan plan;
    tp_status st;
    int32_t kept_idx[TP_MAX_DIMS] = {0};
    int32_t base = 0;
    float count;
    TP_CHECK(params && input && output, TP_ERR_NULL);
    st = tp_mean_prepare(&params->input, params->axis_mask, &plan);
    if (st != TP_OK) return st;
    count = (float)plan.count;
    do {
        int32_t red_idx[TP_MAX_DIMS] = {0};
        int32_t off = base;
        float total = 0.0f;
        do {
            total += input[off];
        } while (tp_odometer_next(plan.n_red, plan.red_ext, plan.red_stride, red_idx, &off));
        *output++ = total / count;
    } while (tp_odometer_next(plan.n_kept, plan.kept_ext, plan.kept_stride, kept_idx, &base));
    return TP_OK;
}
