/*
 * Internal: the plain C row functions of every sparse format — y[r] = requant(bias[r] +
 * sum over the kept weights of row r of w * x[column]) for all rows, from one input vector.
 * FULLY_CONNECTED calls them once per batch row, CONV_2D once per output pixel (x = the
 * pixel's patch). int8: raw inputs, folded bias (tp_sparse.h); float: products added in
 * increasing column order, then the bias, as the dense reference. Zeros a format stores
 * (block and N:M padding, relative-index fillers) are multiplied like any weight: x * 0 =
 * +-0 leaves a float sum unchanged, and the sum is never -0 (it starts at +0).
 *
 * Loops walk pointers and are unrolled by hand where GCC -O2 would not (it does not unroll),
 * so that one kept weight costs about its loads and one multiply-accumulate. The dsp/ and
 * mve/ variants of a kernel replace its row function with a SIMD one; these are what every
 * other core runs, and the reference the variants are tested against.
 *
 * Each row function is its own compilation unit, tp_sp_rows_<s8|f32>_<format>.c, declared
 * here (they match the tp_sp_rows_s8_fn / tp_sp_rows_f32_fn types of tp_sp_common.h). A
 * kernel file is a driver of tp_sp_common.h with its format's row function; the build adds
 * the row files that the kernels a model calls name (src/sparse/kernels.ts), each once, so
 * two kernels of one format (FULLY_CONNECTED and CONV_2D) share one copy.
 */
#ifndef TP_SP_ROWS_H
#define TP_SP_ROWS_H

#include "tp_sp_common.h"

/* ---------------------------------------------------------------- shared by the row files */

#define TP_SP_BIAS_F32(bias, r) ((bias) ? (bias)[r] : 0.0f)

/* acc + sum v[k] * x[col[k]] for the values [v, vend), four at a time. */
#define TP_SP_CSR_DOT(ACC, V, VEND, COL, X)                                                   \
    do {                                                                                     \
        while ((V) + 4 <= (VEND)) {                                                          \
            ACC += (int32_t)(V)[0] * (int32_t)(X)[(COL)[0]] +                                \
                   (int32_t)(V)[1] * (int32_t)(X)[(COL)[1]] +                                \
                   (int32_t)(V)[2] * (int32_t)(X)[(COL)[2]] +                                \
                   (int32_t)(V)[3] * (int32_t)(X)[(COL)[3]];                                 \
            (V) += 4;                                                                        \
            (COL) += 4;                                                                      \
        }                                                                                    \
        while ((V) < (VEND)) ACC += (int32_t) * (V)++ * (int32_t)(X)[*(COL)++];              \
    } while (0)

static inline int32_t tp_sp_dot_s8(const int8_t *a, const int8_t *b, int32_t n, int32_t acc) {
    const int8_t *end = a + n;
    while (a + 4 <= end) {
        acc += (int32_t)a[0] * b[0] + (int32_t)a[1] * b[1] + (int32_t)a[2] * b[2] + (int32_t)a[3] * b[3];
        a += 4;
        b += 4;
    }
    while (a < end) acc += (int32_t)*a++ * *b++;
    return acc;
}

/* ---------------------------------------------------------------- int8 (tp_sp_rows_s8_fn) */

void tp_sp_rows_s8_bitmask(const tp_sparse_matrix *w, const int8_t *x, const int32_t *bias,
                           const tp_sp_rq *q, int8_t *y);
void tp_sp_rows_s8_csr16(const tp_sparse_matrix *w, const int8_t *x, const int32_t *bias,
                         const tp_sp_rq *q, int8_t *y);
void tp_sp_rows_s8_csr8(const tp_sparse_matrix *w, const int8_t *x, const int32_t *bias,
                        const tp_sp_rq *q, int8_t *y);
void tp_sp_rows_s8_rel4(const tp_sparse_matrix *w, const int8_t *x, const int32_t *bias,
                        const tp_sp_rq *q, int8_t *y);
void tp_sp_rows_s8_block1xc(const tp_sparse_matrix *w, const int8_t *x, const int32_t *bias,
                            const tp_sp_rq *q, int8_t *y);
void tp_sp_rows_s8_block4x1(const tp_sparse_matrix *w, const int8_t *x, const int32_t *bias,
                            const tp_sp_rq *q, int8_t *y);
void tp_sp_rows_s8_block4x2(const tp_sparse_matrix *w, const int8_t *x, const int32_t *bias,
                            const tp_sp_rq *q, int8_t *y);
void tp_sp_rows_s8_nm(const tp_sparse_matrix *w, const int8_t *x, const int32_t *bias,
                      const tp_sp_rq *q, int8_t *y);
void tp_sp_rows_s8_pattern(const tp_sparse_matrix *w, const int8_t *x, const int32_t *bias,
                           const tp_sp_rq *q, int8_t *y);
void tp_sp_rows_s8_filterlet(const tp_sparse_matrix *w, const int8_t *x, const int32_t *bias,
                             const tp_sp_rq *q, int8_t *y);
void tp_sp_rows_s8_channel(const tp_sparse_matrix *w, const int8_t *x, const int32_t *bias,
                           const tp_sp_rq *q, int8_t *y);

/* ---------------------------------------------------------------- float (tp_sp_rows_f32_fn) */

void tp_sp_rows_f32_bitmask(const tp_sparse_matrix *w, const float *x, const float *bias,
                            float amin, float amax, float *y);
void tp_sp_rows_f32_csr16(const tp_sparse_matrix *w, const float *x, const float *bias,
                          float amin, float amax, float *y);
void tp_sp_rows_f32_csr8(const tp_sparse_matrix *w, const float *x, const float *bias,
                         float amin, float amax, float *y);
void tp_sp_rows_f32_rel4(const tp_sparse_matrix *w, const float *x, const float *bias,
                         float amin, float amax, float *y);
void tp_sp_rows_f32_block1xc(const tp_sparse_matrix *w, const float *x, const float *bias,
                             float amin, float amax, float *y);
void tp_sp_rows_f32_block4x1(const tp_sparse_matrix *w, const float *x, const float *bias,
                             float amin, float amax, float *y);
void tp_sp_rows_f32_block4x2(const tp_sparse_matrix *w, const float *x, const float *bias,
                             float amin, float amax, float *y);
void tp_sp_rows_f32_nm(const tp_sparse_matrix *w, const float *x, const float *bias,
                       float amin, float amax, float *y);
void tp_sp_rows_f32_filterlet(const tp_sparse_matrix *w, const float *x, const float *bias,
                              float amin, float amax, float *y);
void tp_sp_rows_f32_channel(const tp_sparse_matrix *w, const float *x, const float *bias,
                            float amin, float amax, float *y);

#endif /* TP_SP_ROWS_H */
