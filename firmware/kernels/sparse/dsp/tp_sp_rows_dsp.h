/*
 * Internal: row functions of the sparse dsp/ kernels (SMLAD: two int16 products per
 * instruction). Same results as the plain ones in ../tp_sp_rows.h bit for bit: int8 inputs
 * and weights sit one per int16 lane, so every product is one of the reference's and only the
 * order of the exact int32 sums changes. Each is its own compilation unit,
 * tp_sp_rows_s8_<format>_dsp.c, declared here.
 */
#ifndef TP_SP_ROWS_DSP_H
#define TP_SP_ROWS_DSP_H

#include "../tp_sp_common.h"
#include "tp_sp_dsp.h"

void tp_sp_rows_s8_block4x1_dsp(const tp_sparse_matrix *w, const int8_t *x, const int32_t *bias,
                                const tp_sp_rq *q, int8_t *y);
void tp_sp_rows_s8_block4x2_dsp(const tp_sparse_matrix *w, const int8_t *x, const int32_t *bias,
                                const tp_sp_rq *q, int8_t *y);
void tp_sp_rows_s8_block1x4_dsp(const tp_sparse_matrix *w, const int8_t *x, const int32_t *bias,
                                const tp_sp_rq *q, int8_t *y);
void tp_sp_rows_s8_channel_dsp(const tp_sparse_matrix *w, const int8_t *x, const int32_t *bias,
                               const tp_sp_rq *q, int8_t *y);
void tp_sp_rows_s8_filterlet_dsp(const tp_sparse_matrix *w, const int8_t *x, const int32_t *bias,
                                 const tp_sp_rq *q, int8_t *y);

#endif /* TP_SP_ROWS_DSP_H */
