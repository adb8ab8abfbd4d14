/*
 * Internal to the sparse kernels (firmware/kernels/sparse and its dsp/ and mve/ variants):
 * argument checks, requantisation, the im2col patch of one output pixel, and the drivers that
 * run a format's row function over batches (FULLY_CONNECTED) or output pixels (CONV_2D).
 * A kernel file is its format's row function plugged into a driver; the drivers are static
 * inline and take the row function as a constant pointer, which GCC inlines (-O2), so each
 * kernel compiles to one loop nest with a direct call of the row function per input vector.
 * Row functions are compilation units of their own (tp_sp_rows.h, dsp/tp_sp_rows_dsp.h,
 * mve/tp_sp_rows_mve.h); the row loops the variants share are the macros at the end.
 */
#ifndef TP_SP_COMMON_H
#define TP_SP_COMMON_H

#include <stdint.h>
#include <string.h>

#include "../tp_kernel_util.h"
#include "tp_fixedpoint.h"
#include "tp_sparse.h"

/* ---------------------------------------------------------------- requantisation */

typedef struct {
    const int32_t *mult;
    const int32_t *shift;
    int32_t out_off, amin, amax;
} tp_sp_rq;

static inline int8_t tp_sp_requant(const tp_sp_rq *q, int32_t acc, int32_t row) {
    acc = tp_mbqm(acc, q->mult[row], q->shift[row]) + q->out_off;
    return (int8_t)tp_clamp_i32(acc, q->amin, q->amax);
}

/* ---------------------------------------------------------------- matrix access */

/* Row pointer i of a matrix (uint16 or uint32 as ptr_bytes says). */
static inline int32_t tp_sp_ptr(const tp_sparse_matrix *w, int32_t i) {
    return w->ptr_bytes == 2 ? (int32_t)((const uint16_t *)w->ptr)[i]
                             : (int32_t)((const uint32_t *)w->ptr)[i];
}

/* Index entry i where the format allows 8- or 16-bit entries. */
static inline int32_t tp_sp_index(const tp_sparse_matrix *w, int32_t i) {
    return w->index_bytes == 1 ? (int32_t)((const uint8_t *)w->index)[i]
                               : (int32_t)((const uint16_t *)w->index)[i];
}

/* Index of the lowest set bit of a non-zero word (RBIT + CLZ on Cortex-M3 and up). */
static inline int32_t tp_sp_ctz(uint32_t m) {
#if defined(__GNUC__) || defined(__clang__)
    return (int32_t)__builtin_ctz(m);
#else
    int32_t n = 0;
    while (!(m & 1u)) {
        m >>= 1;
        ++n;
    }
    return n;
#endif
}

/* The matrix is in `format` and has the expected shape, and the arrays it uses are there. */
static inline int tp_sp_matrix_ok(const tp_sparse_matrix *w, int32_t format, int32_t rows,
                                  int32_t cols, int32_t taps) {
    if (w->format != format || w->rows != rows || w->cols != cols || w->taps != taps) return 0;
    if (rows < 1 || cols < 1 || taps < 1 || cols % taps != 0 || !w->values) return 0;
    switch (format) {
    case TP_SPARSE_BITMASK:
        return w->index != 0 && w->aux == (cols + 7) / 8;
    case TP_SPARSE_CSR8:
        return w->index && w->ptr && (w->ptr_bytes == 2 || w->ptr_bytes == 4) &&
               w->aux == (cols + 255) / 256;
    case TP_SPARSE_CSR16:
    case TP_SPARSE_REL4:
    case TP_SPARSE_FILTERLET:
        return w->index && w->ptr && (w->ptr_bytes == 2 || w->ptr_bytes == 4);
    case TP_SPARSE_BLOCK1X4:
    case TP_SPARSE_BLOCK1X16:
        return w->index && w->ptr && (w->ptr_bytes == 2 || w->ptr_bytes == 4) &&
               (w->index_bytes == 1 || w->index_bytes == 2) && w->aux == 1 &&
               w->aux2 == (format == TP_SPARSE_BLOCK1X4 ? 4 : 16);
    case TP_SPARSE_BLOCK4X1:
    case TP_SPARSE_BLOCK4X2:
        return w->index && w->ptr && (w->ptr_bytes == 2 || w->ptr_bytes == 4) &&
               (w->index_bytes == 1 || w->index_bytes == 2) && w->aux == 4 &&
               w->aux2 == (format == TP_SPARSE_BLOCK4X1 ? 1 : 2);
    case TP_SPARSE_NM:
        return w->index && (w->aux2 == 4 || w->aux2 == 8) && w->aux >= 1 && w->aux <= w->aux2 &&
               w->aux * (w->aux2 == 4 ? 2 : 3) <= 32;
    case TP_SPARSE_PATTERN:
        return w->index && w->table && w->aux >= 1 && w->aux <= 256 && taps <= 32;
    case TP_SPARSE_CHANNEL:
        return w->aux >= 0 && w->aux <= rows && w->aux2 >= 0 && w->aux2 <= cols / taps &&
               (w->aux == 0 || (w->ptr && w->index));
    default:
        return 0;
    }
}

/* ---------------------------------------------------------------- argument checks */

static inline tp_status tp_sp_fc_s8_check(const tp_sparse_fc_s8_params *p, int32_t format,
                                          const void *input, const void *bias,
                                          const void *output, const void *scratch) {
    TP_CHECK(p && input && bias && output, TP_ERR_NULL);
    TP_CHECK(p->output_multiplier && p->output_shift, TP_ERR_NULL);
    TP_CHECK(p->batches >= 1, TP_ERR_SHAPE);
    TP_CHECK(tp_sp_matrix_ok(&p->weights, format, p->weights.rows, p->weights.cols, 1),
             TP_ERR_PARAM);
    TP_CHECK(tp_s8_range_ok(p->activation_min, p->activation_max), TP_ERR_PARAM);
    TP_CHECK(tp_requant_arrays_ok(p->output_multiplier, p->output_shift, p->weights.rows),
             TP_ERR_PARAM);
    TP_CHECK(scratch || tp_sparse_fc_scratch(&p->weights, 1) == 0, TP_ERR_SCRATCH);
    return TP_OK;
}

static inline tp_status tp_sp_fc_f32_check(const tp_sparse_fc_f32_params *p, int32_t format,
                                           const void *input, const void *output,
                                           const void *scratch) {
    TP_CHECK(p && input && output, TP_ERR_NULL);
    TP_CHECK(p->batches >= 1, TP_ERR_SHAPE);
    TP_CHECK(tp_sp_matrix_ok(&p->weights, format, p->weights.rows, p->weights.cols, 1),
             TP_ERR_PARAM);
    TP_CHECK(scratch || tp_sparse_fc_scratch(&p->weights, 4) == 0, TP_ERR_SCRATCH);
    return TP_OK;
}

/* Geometry shared by the conv and depthwise params (both int8 and float). */
static inline int tp_sp_geometry_ok(const tp_dims4 *in, const tp_dims4 *out, int32_t kh,
                                    int32_t kw, int32_t sh, int32_t sw, int32_t dh, int32_t dw,
                                    int32_t ph, int32_t pw) {
    return tp_dims4_ok(in) && tp_dims4_ok(out) && in->n == out->n && kh >= 1 && kw >= 1 &&
           sh >= 1 && sw >= 1 && dh >= 1 && dw >= 1 && ph >= 0 && pw >= 0;
}

#define TP_SP_GEOMETRY_OK(p)                                                                 \
    tp_sp_geometry_ok(&(p)->input, &(p)->output, (p)->kernel_h, (p)->kernel_w, (p)->stride_h, \
                      (p)->stride_w, (p)->dilation_h, (p)->dilation_w, (p)->pad_h, (p)->pad_w)

static inline tp_status tp_sp_conv_s8_check(const tp_sparse_conv_s8_params *p, int32_t format,
                                            const void *input, const void *bias,
                                            const void *output, const void *scratch) {
    TP_CHECK(p && input && bias && output, TP_ERR_NULL);
    TP_CHECK(p->output_multiplier && p->output_shift, TP_ERR_NULL);
    TP_CHECK(TP_SP_GEOMETRY_OK(p), TP_ERR_SHAPE);
    TP_CHECK(tp_sp_matrix_ok(&p->weights, format, p->output.c,
                             p->kernel_h * p->kernel_w * p->input.c, p->kernel_h * p->kernel_w),
             TP_ERR_PARAM);
    TP_CHECK(p->input_zero_point >= -128 && p->input_zero_point <= 127, TP_ERR_PARAM);
    TP_CHECK(tp_s8_range_ok(p->activation_min, p->activation_max), TP_ERR_PARAM);
    TP_CHECK(tp_requant_arrays_ok(p->output_multiplier, p->output_shift, p->output.c),
             TP_ERR_PARAM);
    TP_CHECK(scratch || tp_sparse_conv_scratch(&p->weights, 1) == 0, TP_ERR_SCRATCH);
    return TP_OK;
}

static inline tp_status tp_sp_conv_f32_check(const tp_sparse_conv_f32_params *p, int32_t format,
                                             const void *input, const void *output,
                                             const void *scratch) {
    TP_CHECK(p && input && output, TP_ERR_NULL);
    TP_CHECK(TP_SP_GEOMETRY_OK(p), TP_ERR_SHAPE);
    TP_CHECK(tp_sp_matrix_ok(&p->weights, format, p->output.c,
                             p->kernel_h * p->kernel_w * p->input.c, p->kernel_h * p->kernel_w),
             TP_ERR_PARAM);
    TP_CHECK(scratch || tp_sparse_conv_scratch(&p->weights, 4) == 0, TP_ERR_SCRATCH);
    return TP_OK;
}

static inline tp_status tp_sp_dw_s8_check(const tp_sparse_dwconv_s8_params *p, int32_t format,
                                          const void *input, const void *bias,
                                          const void *output) {
    const int32_t taps = p ? p->kernel_h * p->kernel_w : 0;
    TP_CHECK(p && input && bias && output, TP_ERR_NULL);
    TP_CHECK(p->output_multiplier && p->output_shift, TP_ERR_NULL);
    TP_CHECK(TP_SP_GEOMETRY_OK(p) && p->depth_multiplier >= 1, TP_ERR_SHAPE);
    TP_CHECK(p->output.c == p->input.c * p->depth_multiplier, TP_ERR_SHAPE);
    TP_CHECK(taps <= TP_SPARSE_MAX_TAPS, TP_ERR_PARAM);
    TP_CHECK(tp_sp_matrix_ok(&p->weights, format, p->output.c, taps, taps), TP_ERR_PARAM);
    TP_CHECK(p->input_zero_point >= -128 && p->input_zero_point <= 127, TP_ERR_PARAM);
    TP_CHECK(tp_s8_range_ok(p->activation_min, p->activation_max), TP_ERR_PARAM);
    TP_CHECK(tp_requant_arrays_ok(p->output_multiplier, p->output_shift, p->output.c),
             TP_ERR_PARAM);
    return TP_OK;
}

static inline tp_status tp_sp_dw_f32_check(const tp_sparse_dwconv_f32_params *p, int32_t format,
                                           const void *input, const void *output) {
    const int32_t taps = p ? p->kernel_h * p->kernel_w : 0;
    TP_CHECK(p && input && output, TP_ERR_NULL);
    TP_CHECK(TP_SP_GEOMETRY_OK(p) && p->depth_multiplier >= 1, TP_ERR_SHAPE);
    TP_CHECK(p->output.c == p->input.c * p->depth_multiplier, TP_ERR_SHAPE);
    TP_CHECK(taps <= TP_SPARSE_MAX_TAPS, TP_ERR_PARAM);
    TP_CHECK(tp_sp_matrix_ok(&p->weights, format, p->output.c, taps, taps), TP_ERR_PARAM);
    return TP_OK;
}

/* ---------------------------------------------------------------- row functions and drivers */

/* y[r] for every row r of the matrix from one input vector x (a FULLY_CONNECTED input row or
 * a CONV_2D patch). */
typedef void (*tp_sp_rows_s8_fn)(const tp_sparse_matrix *w, const int8_t *x, const int32_t *bias,
                                 const tp_sp_rq *q, int8_t *y);
typedef void (*tp_sp_rows_f32_fn)(const tp_sparse_matrix *w, const float *x, const float *bias,
                                  float amin, float amax, float *y);

static inline tp_status tp_sp_fc_s8_run(const tp_sparse_fc_s8_params *p, int32_t format,
                                        const int8_t *input, const int32_t *bias, int8_t *output,
                                        void *scratch, tp_sp_rows_s8_fn rows) {
    const tp_status st = tp_sp_fc_s8_check(p, format, input, bias, output, scratch);
    if (st != TP_OK) return st;
    {
        const tp_sparse_matrix *w = &p->weights;
        const tp_sp_rq q = {p->output_multiplier, p->output_shift, p->output_offset,
                            p->activation_min, p->activation_max};
        int32_t b, j;
        for (b = 0; b < p->batches; ++b) {
            const int8_t *x = input + (size_t)b * (size_t)w->cols;
            if (format == TP_SPARSE_CHANNEL) {
                /* Gather the inputs the kept channels read. */
                const uint16_t *keep = (const uint16_t *)w->index;
                int8_t *g = (int8_t *)scratch;
                for (j = 0; j < w->aux2; ++j) g[j] = x[keep[j]];
                x = g;
            }
            rows(w, x, bias, &q, output + (size_t)b * (size_t)w->rows);
        }
    }
    return TP_OK;
}

static inline tp_status tp_sp_fc_f32_run(const tp_sparse_fc_f32_params *p, int32_t format,
                                         const float *input, const float *bias, float *output,
                                         void *scratch, tp_sp_rows_f32_fn rows) {
    const tp_status st = tp_sp_fc_f32_check(p, format, input, output, scratch);
    if (st != TP_OK) return st;
    {
        const tp_sparse_matrix *w = &p->weights;
        int32_t b, j;
        for (b = 0; b < p->batches; ++b) {
            const float *x = input + (size_t)b * (size_t)w->cols;
            if (format == TP_SPARSE_CHANNEL) {
                const uint16_t *keep = (const uint16_t *)w->index;
                float *g = (float *)scratch;
                for (j = 0; j < w->aux2; ++j) g[j] = x[keep[j]];
                x = g;
            }
            rows(w, x, bias, p->activation_min, p->activation_max,
                 output + (size_t)b * (size_t)w->rows);
        }
    }
    return TP_OK;
}

/* The input patch of output pixel (oy, ox): patch[tap * kc + j] = input channel chans[j] (or
 * j when chans is NULL) at the tap's pixel, or `pad` where the tap falls outside the input.
 * A 1x1 kernel over all channels at an in-bounds pixel is the input itself (no copy). */
/* Copies and fills for the patches, four bytes at a time: inline (a memcpy call costs more
 * than a 32-byte row of a patch) and linear in the length, which the cost model relies on.
 * The 4-byte memcpy is one LDR/STR on cores with unaligned access, byte moves elsewhere. */
static inline void tp_sp_copy_s8(int8_t *dst, const int8_t *src, int32_t n) { tp_copy_s8(dst, src, n); }

static inline void tp_sp_fill_s8(int8_t *dst, int8_t value, int32_t n) {
    const uint32_t w = 0x01010101u * (uint8_t)value;
    for (; n >= 4; n -= 4, dst += 4) memcpy(dst, &w, 4);
    for (; n > 0; --n) *dst++ = value;
}

static inline void tp_sp_copy_f32(float *dst, const float *src, int32_t n) {
    for (; n > 0; --n) *dst++ = *src++;
}

static inline void tp_sp_fill_f32(float *dst, float value, int32_t n) {
    for (; n > 0; --n) *dst++ = value;
}

static inline const int8_t *tp_sp_patch_s8(const tp_dims4 *in, int32_t kh, int32_t kw, int32_t y0,
                                    int32_t x0, int32_t dh, int32_t dw, const int8_t *in_b,
                                    const uint16_t *chans, int32_t kc, int8_t pad, int8_t *patch) {
    int32_t ky, kx, j;
    if (kh == 1 && kw == 1 && !chans && y0 >= 0 && y0 < in->h && x0 >= 0 && x0 < in->w) {
        return in_b + ((size_t)y0 * (size_t)in->w + (size_t)x0) * (size_t)in->c;
    }
    for (ky = 0; ky < kh; ++ky) {
        const int32_t y = y0 + dh * ky;
        if (!chans && dw == 1 && y >= 0 && y < in->h && x0 >= 0 && x0 + kw <= in->w) {
            /* The row's taps are adjacent pixels: one copy of kw * C_in values. */
            tp_sp_copy_s8(patch + (size_t)(ky * kw) * (size_t)kc,
                          in_b + ((size_t)y * (size_t)in->w + (size_t)x0) * (size_t)in->c, kw * kc);
            continue;
        }
        for (kx = 0; kx < kw; ++kx) {
            const int32_t x = x0 + dw * kx;
            int8_t *dst = patch + (size_t)(ky * kw + kx) * (size_t)kc;
            if (y < 0 || y >= in->h || x < 0 || x >= in->w) {
                tp_sp_fill_s8(dst, pad, kc);
            } else {
                const int8_t *src = in_b + ((size_t)y * (size_t)in->w + (size_t)x) * (size_t)in->c;
                if (chans) {
                    for (j = 0; j < kc; ++j) dst[j] = src[chans[j]];
                } else {
                    tp_sp_copy_s8(dst, src, kc);
                }
            }
        }
    }
    return patch;
}

static inline const float *tp_sp_patch_f32(const tp_dims4 *in, int32_t kh, int32_t kw, int32_t y0,
                                    int32_t x0, int32_t dh, int32_t dw, const float *in_b,
                                    const uint16_t *chans, int32_t kc, float pad, float *patch) {
    int32_t ky, kx, j;
    if (kh == 1 && kw == 1 && !chans && y0 >= 0 && y0 < in->h && x0 >= 0 && x0 < in->w) {
        return in_b + ((size_t)y0 * (size_t)in->w + (size_t)x0) * (size_t)in->c;
    }
    for (ky = 0; ky < kh; ++ky) {
        const int32_t y = y0 + dh * ky;
        if (!chans && dw == 1 && y >= 0 && y < in->h && x0 >= 0 && x0 + kw <= in->w) {
            /* The row's taps are adjacent pixels: one copy of kw * C_in values. */
            tp_sp_copy_f32(patch + (size_t)(ky * kw) * (size_t)kc,
                          in_b + ((size_t)y * (size_t)in->w + (size_t)x0) * (size_t)in->c, kw * kc);
            continue;
        }
        for (kx = 0; kx < kw; ++kx) {
            const int32_t x = x0 + dw * kx;
            float *dst = patch + (size_t)(ky * kw + kx) * (size_t)kc;
            if (y < 0 || y >= in->h || x < 0 || x >= in->w) {
                tp_sp_fill_f32(dst, pad, kc);
            } else {
                const float *src = in_b + ((size_t)y * (size_t)in->w + (size_t)x) * (size_t)in->c;
                if (chans) {
                    for (j = 0; j < kc; ++j) dst[j] = src[chans[j]];
                } else {
                    tp_sp_copy_f32(dst, src, kc);
                }
            }
        }
    }
    return patch;
}

static inline tp_status tp_sp_conv_s8_run(const tp_sparse_conv_s8_params *p, int32_t format,
                                          const int8_t *input, const int32_t *bias,
                                          int8_t *output, void *scratch, tp_sp_rows_s8_fn rows) {
    const tp_status st = tp_sp_conv_s8_check(p, format, input, bias, output, scratch);
    if (st != TP_OK) return st;
    {
        const tp_sparse_matrix *w = &p->weights;
        const tp_sp_rq q = {p->output_multiplier, p->output_shift, p->output_offset,
                            p->activation_min, p->activation_max};
        const int channel = format == TP_SPARSE_CHANNEL;
        const uint16_t *chans = channel ? (const uint16_t *)w->index : 0;
        const int32_t kc = channel ? w->aux2 : p->input.c;
        const int8_t pad = (int8_t)p->input_zero_point;
        const size_t in_size = (size_t)p->input.h * (size_t)p->input.w * (size_t)p->input.c;
        int32_t b, oy, ox;
        int8_t *out = output;
        for (b = 0; b < p->input.n; ++b) {
            const int8_t *in_b = input + (size_t)b * in_size;
            for (oy = 0; oy < p->output.h; ++oy) {
                const int32_t y0 = oy * p->stride_h - p->pad_h;
                for (ox = 0; ox < p->output.w; ++ox) {
                    const int32_t x0 = ox * p->stride_w - p->pad_w;
                    const int8_t *patch =
                        tp_sp_patch_s8(&p->input, p->kernel_h, p->kernel_w, y0, x0, p->dilation_h,
                                       p->dilation_w, in_b, chans, kc, pad, (int8_t *)scratch);
                    rows(w, patch, bias, &q, out);
                    out += p->output.c;
                }
            }
        }
    }
    return TP_OK;
}

static inline tp_status tp_sp_conv_f32_run(const tp_sparse_conv_f32_params *p, int32_t format,
                                           const float *input, const float *bias, float *output,
                                           void *scratch, tp_sp_rows_f32_fn rows) {
    const tp_status st = tp_sp_conv_f32_check(p, format, input, output, scratch);
    if (st != TP_OK) return st;
    {
        const tp_sparse_matrix *w = &p->weights;
        const int channel = format == TP_SPARSE_CHANNEL;
        const uint16_t *chans = channel ? (const uint16_t *)w->index : 0;
        const int32_t kc = channel ? w->aux2 : p->input.c;
        const size_t in_size = (size_t)p->input.h * (size_t)p->input.w * (size_t)p->input.c;
        int32_t b, oy, ox;
        float *out = output;
        for (b = 0; b < p->input.n; ++b) {
            const float *in_b = input + (size_t)b * in_size;
            for (oy = 0; oy < p->output.h; ++oy) {
                const int32_t y0 = oy * p->stride_h - p->pad_h;
                for (ox = 0; ox < p->output.w; ++ox) {
                    const int32_t x0 = ox * p->stride_w - p->pad_w;
                    const float *patch =
                        tp_sp_patch_f32(&p->input, p->kernel_h, p->kernel_w, y0, x0,
                                        p->dilation_h, p->dilation_w, in_b, chans, kc, 0.0f,
                                        (float *)scratch);
                    rows(w, patch, bias, p->activation_min, p->activation_max, out);
                    out += p->output.c;
                }
            }
        }
    }
    return TP_OK;
}

/* ---------------------------------------------------------------- depthwise */

/* Element offset of each tap's input pixel for output pixel (oy, ox), -1 outside the input. */
static inline void tp_sp_tap_offsets(const tp_dims4 *in, int32_t kh, int32_t kw, int32_t y0,
                                     int32_t x0, int32_t dh, int32_t dw, int32_t *off) {
    int32_t ky, kx;
    for (ky = 0; ky < kh; ++ky) {
        const int32_t y = y0 + dh * ky;
        for (kx = 0; kx < kw; ++kx) {
            const int32_t x = x0 + dw * kx;
            off[ky * kw + kx] = (y < 0 || y >= in->h || x < 0 || x >= in->w)
                                    ? -1
                                    : (y * in->w + x) * in->c;
        }
    }
}

/* ---------------------------------------------------------------- row loops shared by the variants */

/* Row functions are separate functions (their own files), called once per input vector:
 * inlined into the drivers, GCC ran out of registers and spilled the inner loops' pointers to
 * the stack. The loops below are written once for the plain, dsp and mve row functions, which
 * differ only in their dot products; they expand inside a row function whose parameters are
 * named (w, x, bias, q, y) as in tp_sp_rows_s8_fn. */

/* int8 filterlets: per row, its kept taps (a tap index, then cin weights each), each a dense
 * run of cin weights against the tap's cin inputs: DOT(a, b, n, acc) = acc + sum a[k] * b[k]. */
#define TP_SP_FILTERLET_S8_ROWS(DOT)                                                         \
    do {                                                                                     \
        const int32_t cin = w->aux;                                                          \
        const uint8_t *tap = (const uint8_t *)w->index + tp_sp_ptr(w, 0);                    \
        const int8_t *v = (const int8_t *)w->values + (size_t)tp_sp_ptr(w, 0) * (size_t)cin; \
        int32_t r, f, start = tp_sp_ptr(w, 0);                                               \
        for (r = 0; r < w->rows; ++r) {                                                      \
            const int32_t end = tp_sp_ptr(w, r + 1);                                         \
            int32_t acc = bias[r];                                                           \
            for (f = start; f < end; ++f, v += cin) {                                        \
                acc = DOT(v, x + (size_t)*tap++ * (size_t)cin, cin, acc);                    \
            }                                                                                \
            start = end;                                                                     \
            y[r] = tp_sp_requant(q, acc, r);                                                 \
        }                                                                                    \
    } while (0)

/* int8 channel rows, four kept rows at a time: rows removed from the layer output their bias
 * alone; kept rows in fours through DOT4(x, w0, n, acc) (acc[k] += dot(x, w0 + k * n), each
 * input vector loaded once for four rows), the rest one by one through DOT as above. */
#define TP_SP_CHANNEL_S8_ROWS4(DOT4, DOT)                                                    \
    do {                                                                                     \
        const uint16_t *rows = (const uint16_t *)w->ptr;                                     \
        const int32_t kept = w->aux;                                                         \
        const int32_t n = w->taps * w->aux2;                                                 \
        const int8_t *v = (const int8_t *)w->values;                                         \
        int32_t r, i, k;                                                                     \
        for (r = 0, i = 0; r < w->rows; ++r) {                                               \
            if (i < kept && rows[i] == r) {                                                  \
                ++i;                                                                         \
            } else {                                                                         \
                y[r] = tp_sp_requant(q, bias[r], r);                                         \
            }                                                                                \
        }                                                                                    \
        for (i = 0; i + 4 <= kept; i += 4, v += 4 * n) {                                     \
            int32_t acc[4];                                                                  \
            for (k = 0; k < 4; ++k) acc[k] = bias[rows[i + k]];                              \
            DOT4(x, v, n, acc);                                                              \
            for (k = 0; k < 4; ++k) y[rows[i + k]] = tp_sp_requant(q, acc[k], rows[i + k]);  \
        }                                                                                    \
        for (; i < kept; ++i, v += n) {                                                      \
            r = rows[i];                                                                     \
            y[r] = tp_sp_requant(q, DOT(v, x, n, bias[r]), r);                               \
        }                                                                                    \
    } while (0)

#endif /* TP_SP_COMMON_H */
