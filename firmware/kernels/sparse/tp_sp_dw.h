/*
 * Internal: sparse DEPTHWISE_CONV_2D. Row o of the matrix holds the kept taps of output
 * channel o, which reads input channel o / depth_multiplier. Per output pixel the driver
 * points each tap at its input pixel — or, outside the input, at a pixel of padding in
 * scratch (the zero point, cancelled by the folded bias; 0.0f for float, whose x * w = +-0
 * leaves the sum unchanged) — so a format's row loop reads every tap without a bounds test.
 */
#ifndef TP_SP_DW_H
#define TP_SP_DW_H

#include "tp_sp_common.h"

/* One output pixel, all channels: px[t] points at tap t's input pixel (channel 0). */
typedef void (*tp_sp_dw_s8_fn)(const tp_sparse_matrix *w, const int8_t *const *px, int32_t mult,
                               const int32_t *bias, const tp_sp_rq *q, int8_t *y);
typedef void (*tp_sp_dw_f32_fn)(const tp_sparse_matrix *w, const float *const *px, int32_t mult,
                                const float *bias, float amin, float amax, float *y);

static inline tp_status tp_sp_dw_s8_run(const tp_sparse_dwconv_s8_params *p, int32_t format,
                                        const int8_t *input, const int32_t *bias, int8_t *output,
                                        void *scratch, tp_sp_dw_s8_fn pixel) {
    const tp_status st = tp_sp_dw_s8_check(p, format, input, bias, output);
    if (st != TP_OK) return st;
    TP_CHECK(scratch != 0, TP_ERR_SCRATCH);
    {
        const tp_sp_rq q = {p->output_multiplier, p->output_shift, p->output_offset,
                            p->activation_min, p->activation_max};
        const size_t in_size = (size_t)p->input.h * (size_t)p->input.w * (size_t)p->input.c;
        int8_t *pad = (int8_t *)scratch;
        const int8_t *px[TP_SPARSE_MAX_TAPS];
        int32_t off[TP_SPARSE_MAX_TAPS];
        const int32_t taps = p->kernel_h * p->kernel_w;
        int32_t b, oy, ox, t;
        int8_t *out = output;
        memset(pad, p->input_zero_point, (size_t)p->input.c);
        for (b = 0; b < p->input.n; ++b) {
            const int8_t *in_b = input + (size_t)b * in_size;
            for (oy = 0; oy < p->output.h; ++oy) {
                for (ox = 0; ox < p->output.w; ++ox) {
                    tp_sp_tap_offsets(&p->input, p->kernel_h, p->kernel_w,
                                      oy * p->stride_h - p->pad_h, ox * p->stride_w - p->pad_w,
                                      p->dilation_h, p->dilation_w, off);
                    for (t = 0; t < taps; ++t) px[t] = off[t] >= 0 ? in_b + off[t] : pad;
                    pixel(&p->weights, px, p->depth_multiplier, bias, &q, out);
                    out += p->output.c;
                }
            }
        }
    }
    return TP_OK;
}

static inline tp_status tp_sp_dw_f32_run(const tp_sparse_dwconv_f32_params *p, int32_t format,
                                         const float *input, const float *bias, float *output,
                                         void *scratch, tp_sp_dw_f32_fn pixel) {
    const tp_status st = tp_sp_dw_f32_check(p, format, input, output);
    if (st != TP_OK) return st;
    TP_CHECK(scratch != 0, TP_ERR_SCRATCH);
    {
        const size_t in_size = (size_t)p->input.h * (size_t)p->input.w * (size_t)p->input.c;
        float *pad = (float *)scratch;
        const float *px[TP_SPARSE_MAX_TAPS];
        int32_t off[TP_SPARSE_MAX_TAPS];
        const int32_t taps = p->kernel_h * p->kernel_w;
        int32_t b, oy, ox, t;
        float *out = output;
        for (t = 0; t < p->input.c; ++t) pad[t] = 0.0f;
        for (b = 0; b < p->input.n; ++b) {
            const float *in_b = input + (size_t)b * in_size;
            for (oy = 0; oy < p->output.h; ++oy) {
                for (ox = 0; ox < p->output.w; ++ox) {
                    tp_sp_tap_offsets(&p->input, p->kernel_h, p->kernel_w,
                                      oy * p->stride_h - p->pad_h, ox * p->stride_w - p->pad_w,
                                      p->dilation_h, p->dilation_w, off);
                    for (t = 0; t < taps; ++t) px[t] = off[t] >= 0 ? in_b + off[t] : pad;
                    pixel(&p->weights, px, p->depth_multiplier, bias, p->activation_min,
                          p->activation_max, out);
                    out += p->output.c;
                }
            }
        }
    }
    return TP_OK;
}

#endif /* TP_SP_DW_H */
