/*
 * MEAN, int8 — the three TFLM code paths (the host picks one, see tp_kernels.h):
 *  SAME_QUANT  reference_ops::Mean<int8_t, int32_t>: (int8)(sum / count), C division;
 *  REQUANT     reference_ops::QuantizedMeanOrSum (mean): float rescale, roundf, clamp;
 *  MULTIPLIER  reference_integer_ops::Mean: MBQM of the offset sum, rounded division by the
 *              count, + output zero point, clamp;
 *  FOLDED      integer QuantizedMeanOrSum: MBQM of the offset sum with 1/count folded into the
 *              multiplier on the host, + output zero point, clamp.
 * Sums are exact int32 (count * 255 < 2^31 is checked), so their order does not matter.
 */
#include <math.h>

#include "tp_fixedpoint.h"
#include "tp_kernel_util.h"
#include "tp_kernels.h"

static int8_t finish(const tp_mean_s8_params *p, int32_t sum, int32_t count) {
    switch (p->method) {
    case TP_MEAN_S8_SAME_QUANT:
        /* The mean of int8 values is an int8 value: no clamp needed (nor done by TFLM). */
        return (int8_t)(sum / count);
    case TP_MEAN_S8_REQUANT: {
        const float scale = p->input_scale / p->output_scale;
        const float bias = (float)(-p->input_zero_point) * scale;
        const float mean = (float)sum / (float)count;
        float r = roundf(mean * scale + bias) + (float)p->output_zero_point;
        r = (127.0f < r) ? 127.0f : r;   /* std::min(r, 127) */
        r = (r < -128.0f) ? -128.0f : r; /* std::max(r, -128) */
        return (int8_t)r;
    }
    case TP_MEAN_S8_FOLDED:
        /* sum is already offset by -input_zero_point (see the caller). */
        return (int8_t)tp_clamp_i32(tp_mbqm(sum, p->multiplier, p->shift) + p->output_zero_point,
                                    -128, 127);
    default: { /* TP_MEAN_S8_MULTIPLIER; sum is already offset by -input_zero_point */
        int32_t acc = tp_mbqm(sum, p->multiplier, p->shift);
        acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
        return (int8_t)tp_clamp_i32(acc + p->output_zero_point, -128, 127);
    }
    }
}

tp_status tp_mean_s8(const tp_mean_s8_params *params, const int8_t *input, int8_t *output) {
    tp_mean_plan plan;
    tp_status st;
    int32_t kept_idx[TP_MAX_DIMS] = {0};
    int32_t base = 0;
    TP_CHECK(params && input && output, TP_ERR_NULL);
    st = tp_mean_prepare(&params->input, params->axis_mask, &plan);
    if (st != TP_OK) return st;
    TP_CHECK(plan.count <= INT32_MAX / 256, TP_ERR_SHAPE);
    TP_CHECK(params->method >= TP_MEAN_S8_SAME_QUANT && params->method <= TP_MEAN_S8_FOLDED,
             TP_ERR_PARAM);
    TP_CHECK(params->input_zero_point >= -128 && params->input_zero_point <= 127 &&
                 params->output_zero_point >= -128 && params->output_zero_point <= 127,
             TP_ERR_PARAM);
    if (params->method == TP_MEAN_S8_REQUANT) {
        TP_CHECK(params->input_scale > 0.0f && params->output_scale > 0.0f, TP_ERR_PARAM);
    }
    if (params->method == TP_MEAN_S8_MULTIPLIER || params->method == TP_MEAN_S8_FOLDED) {
        TP_CHECK(params->multiplier >= 0 && tp_shift_ok(params->shift), TP_ERR_PARAM);
    }
    {
        /* MULTIPLIER and FOLDED sum (x - input_zero_point) (= sum - zp * count exactly); the
         * others sum raw values. */
        const int32_t sub = (params->method == TP_MEAN_S8_MULTIPLIER ||
                             params->method == TP_MEAN_S8_FOLDED)
                                ? params->input_zero_point
                                : 0;
        do {
            int32_t red_idx[TP_MAX_DIMS] = {0};
            int32_t off = base;
            int32_t sum = 0;
            do {
                sum += (int32_t)input[off] - sub;
            } while (tp_odometer_next(plan.n_red, plan.red_ext, plan.red_stride, red_idx, &off));
            *output++ = finish(params, sum, plan.count);
        } while (tp_odometer_next(plan.n_kept, plan.kept_ext, plan.kept_stride, kept_idx, &base));
    }
    return TP_OK;
}
