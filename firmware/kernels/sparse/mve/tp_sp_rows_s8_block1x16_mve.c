/*
 * Sparse row function, int8, 1 x 16 blocks — Helium (MVE), Cortex-M55. Declared in
 * tp_sp_rows_mve.h; the kernels of this format call it once per input vector.
 */
#include "tp_sp_rows_mve.h"

/* One VMLADAVA per whole block; a row's last block, when short, in scalar. */
#define TP_SP_BLOCK1X16_ROW(IDX_T)                                                           \
    do {                                                                                     \
        const IDX_T *ip = (const IDX_T *)w->index + start;                                   \
        const IDX_T *pend = (const IDX_T *)w->index + end;                                   \
        if (pend > ip && (int32_t)pend[-1] >= full) --pend;                                  \
        for (; ip < pend; ++ip) {                                                            \
            acc = vmladavaq_s8(acc, vldrbq_s8(x + 16 * (int32_t)*ip), vldrbq_s8(v));         \
            v += 16;                                                                         \
        }                                                                                    \
        if (ip < (const IDX_T *)w->index + end) {                                            \
            const int8_t *xb = x + 16 * (int32_t)*ip;                                        \
            for (j = 0; j < w->cols - 16 * (int32_t)*ip; ++j) acc += (int32_t)v[j] * xb[j];  \
            v += 16;                                                                         \
        }                                                                                    \
    } while (0)

void tp_sp_rows_s8_block1x16_mve(const tp_sparse_matrix *w, const int8_t *x,
                                 const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const int8_t *v = (const int8_t *)w->values;
    const int32_t full = w->cols / 16;
    int32_t r, j, start = tp_sp_ptr(w, 0);
    for (r = 0; r < w->rows; ++r) {
        const int32_t end = tp_sp_ptr(w, r + 1);
        int32_t acc = bias[r];
        if (w->index_bytes == 1) {
            TP_SP_BLOCK1X16_ROW(uint8_t);
        } else {
            TP_SP_BLOCK1X16_ROW(uint16_t);
        }
        start = end;
        y[r] = tp_sp_requant(q, acc, r);
    }
}
