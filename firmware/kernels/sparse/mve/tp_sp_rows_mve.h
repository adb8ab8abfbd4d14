/*
 * Internal: row functions of the sparse mve/ kernels (Cortex-M55 Helium). VMLADAVA.S8
 * multiplies 16 int8 pairs and adds the 16 products to a scalar accumulator: a 1x16 block,
 * or 16 bytes of a dense row, costs one vector load of weights, one of input and one
 * instruction. Products and int32 sums are exact, so results equal the plain kernels' bit for
 * bit. The plain file's formats without an mve/ variant run their dsp/ or plain versions.
 * Each is its own compilation unit, tp_sp_rows_s8_<format>_mve.c, declared here.
 */
#ifndef TP_SP_ROWS_MVE_H
#define TP_SP_ROWS_MVE_H

#include "../tp_sp_common.h"
#include "tp_sp_mve.h"

void tp_sp_rows_s8_csr16_mve(const tp_sparse_matrix *w, const int8_t *x, const int32_t *bias,
                             const tp_sp_rq *q, int8_t *y);
void tp_sp_rows_s8_csr8_mve(const tp_sparse_matrix *w, const int8_t *x, const int32_t *bias,
                            const tp_sp_rq *q, int8_t *y);
void tp_sp_rows_s8_block1x16_mve(const tp_sparse_matrix *w, const int8_t *x, const int32_t *bias,
                                 const tp_sp_rq *q, int8_t *y);
void tp_sp_rows_s8_channel_mve(const tp_sparse_matrix *w, const int8_t *x, const int32_t *bias,
                               const tp_sp_rq *q, int8_t *y);
void tp_sp_rows_s8_filterlet_mve(const tp_sparse_matrix *w, const int8_t *x, const int32_t *bias,
                                 const tp_sp_rq *q, int8_t *y);

#endif /* TP_SP_ROWS_MVE_H */
