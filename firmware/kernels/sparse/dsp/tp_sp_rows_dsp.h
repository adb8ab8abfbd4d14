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

/* The block formats of four rows (4x1 in pairs, 4x2): a0..a3 += the two int16 input lanes of
 * xx times a 4x2 weight block at v, stored [r0c0 r1c0 r0c1 r1c1 | r2c0 r3c0 r2c1 r3c1] — one
 * SMLAD per row (SXTB16 / SXTB16 ROR 8 of each word give rows 0/1 and 2/3). */
static inline void tp_sp_smlad_4x2(const int8_t *v, uint32_t xx, int32_t *a0, int32_t *a1,
                                   int32_t *a2, int32_t *a3) {
    const uint32_t wa = tp_sp_ld32(v), wb = tp_sp_ld32(v + 4);
    *a0 = tp_sp_smlad(tp_sp_sxtb16(wa), xx, *a0);
    *a1 = tp_sp_smlad(tp_sp_sxtb16_ror8(wa), xx, *a1);
    *a2 = tp_sp_smlad(tp_sp_sxtb16(wb), xx, *a2);
    *a3 = tp_sp_smlad(tp_sp_sxtb16_ror8(wb), xx, *a3);
}

/* The outputs of the row group starting at r0: four, or the rows left in a last group. */
static inline void tp_sp_store4_s8(const tp_sp_rq *q, const int32_t *bias, int32_t r0,
                                   int32_t rows, int32_t a0, int32_t a1, int32_t a2, int32_t a3,
                                   int8_t *y) {
    if (r0 + 4 <= rows) {
        y[r0] = tp_sp_requant(q, bias[r0] + a0, r0);
        y[r0 + 1] = tp_sp_requant(q, bias[r0 + 1] + a1, r0 + 1);
        y[r0 + 2] = tp_sp_requant(q, bias[r0 + 2] + a2, r0 + 2);
        y[r0 + 3] = tp_sp_requant(q, bias[r0 + 3] + a3, r0 + 3);
    } else {
        const int32_t acc[3] = {a0, a1, a2};
        int32_t i;
        for (i = 0; r0 + i < rows; ++i) y[r0 + i] = tp_sp_requant(q, bias[r0 + i] + acc[i], r0 + i);
    }
}

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
