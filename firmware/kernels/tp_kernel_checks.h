/*
 * Internal: the argument checks of the kernels that have optimised variants. The plain file
 * and the dsp/ and mve/ files all call these, so every variant accepts and rejects exactly the
 * same inputs. Cheap (O(channels) at most), run once per call before any data is touched.
 */
#ifndef TP_KERNEL_CHECKS_H
#define TP_KERNEL_CHECKS_H

#include "tp_kernel_util.h"
#include "tp_kernels.h"

static inline tp_status tp_fc_s8_check(const tp_fc_s8_params *p, const void *input,
                                       const void *filter, const void *output) {
    TP_CHECK(p && input && filter && output, TP_ERR_NULL);
    TP_CHECK(p->output_multiplier && p->output_shift, TP_ERR_NULL);
    TP_CHECK(p->batches >= 1 && p->input_depth >= 1 && p->output_depth >= 1, TP_ERR_SHAPE);
    TP_CHECK(tp_s8_range_ok(p->activation_min, p->activation_max), TP_ERR_PARAM);
    TP_CHECK(p->input_offset >= -255 && p->input_offset <= 255, TP_ERR_PARAM);
    TP_CHECK(p->filter_offset >= -255 && p->filter_offset <= 255, TP_ERR_PARAM);
    TP_CHECK(tp_requant_arrays_ok(p->output_multiplier, p->output_shift,
                                  p->per_channel ? p->output_depth : 1),
             TP_ERR_PARAM);
    return TP_OK;
}

static inline tp_status tp_conv_s8_check(const tp_conv_s8_params *p, const void *input,
                                         const void *filter, const void *output) {
    TP_CHECK(p && input && filter && output, TP_ERR_NULL);
    TP_CHECK(p->output_multiplier && p->output_shift, TP_ERR_NULL);
    TP_CHECK(tp_dims4_ok(&p->input) && tp_dims4_ok(&p->filter) && tp_dims4_ok(&p->output),
             TP_ERR_SHAPE);
    TP_CHECK(p->output.n == p->input.n && p->filter.n == p->output.c, TP_ERR_SHAPE);
    TP_CHECK(p->input.c % p->filter.c == 0, TP_ERR_SHAPE);
    TP_CHECK(p->output.c % (p->input.c / p->filter.c) == 0, TP_ERR_SHAPE);
    TP_CHECK(p->stride_h >= 1 && p->stride_w >= 1 && p->dilation_h >= 1 && p->dilation_w >= 1,
             TP_ERR_PARAM);
    TP_CHECK(p->pad_h >= 0 && p->pad_w >= 0, TP_ERR_PARAM);
    TP_CHECK(p->input_offset >= -255 && p->input_offset <= 255, TP_ERR_PARAM);
    TP_CHECK(tp_s8_range_ok(p->activation_min, p->activation_max), TP_ERR_PARAM);
    TP_CHECK(tp_requant_arrays_ok(p->output_multiplier, p->output_shift, p->output.c),
             TP_ERR_PARAM);
    return TP_OK;
}

static inline tp_status tp_dwconv_s8_check(const tp_dwconv_s8_params *p, const void *input,
                                           const void *filter, const void *output) {
    TP_CHECK(p && input && filter && output, TP_ERR_NULL);
    TP_CHECK(p->output_multiplier && p->output_shift, TP_ERR_NULL);
    TP_CHECK(tp_dims4_ok(&p->input) && tp_dims4_ok(&p->filter) && tp_dims4_ok(&p->output),
             TP_ERR_SHAPE);
    TP_CHECK(p->depth_multiplier >= 1, TP_ERR_PARAM);
    TP_CHECK(p->output.n == p->input.n && p->filter.n == 1 && p->filter.c == p->output.c,
             TP_ERR_SHAPE);
    TP_CHECK(p->output.c == p->input.c * p->depth_multiplier, TP_ERR_SHAPE);
    TP_CHECK(p->stride_h >= 1 && p->stride_w >= 1 && p->dilation_h >= 1 && p->dilation_w >= 1,
             TP_ERR_PARAM);
    TP_CHECK(p->pad_h >= 0 && p->pad_w >= 0, TP_ERR_PARAM);
    TP_CHECK(p->input_offset >= -255 && p->input_offset <= 255, TP_ERR_PARAM);
    TP_CHECK(tp_s8_range_ok(p->activation_min, p->activation_max), TP_ERR_PARAM);
    TP_CHECK(tp_requant_arrays_ok(p->output_multiplier, p->output_shift, p->output.c),
             TP_ERR_PARAM);
    return TP_OK;
}

static inline tp_status tp_pool_s8_check(const tp_pool_s8_params *p, const void *input,
                                         const void *output) {
    TP_CHECK(p && input && output, TP_ERR_NULL);
    TP_CHECK(tp_pool_shape_ok(&p->input, &p->output, p->filter_h, p->filter_w, p->stride_h,
                              p->stride_w, p->pad_h, p->pad_w),
             TP_ERR_SHAPE);
    TP_CHECK(tp_s8_range_ok(p->activation_min, p->activation_max), TP_ERR_PARAM);
    return TP_OK;
}

#endif /* TP_KERNEL_CHECKS_H */
