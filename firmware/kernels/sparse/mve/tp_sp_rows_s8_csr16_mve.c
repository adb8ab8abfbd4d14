/*
 * Sparse row function, int8, CSR with 16-bit column indices, gathered — Helium (MVE),
 * Cortex-M55. Declared in tp_sp_rows_mve.h; the kernels of this format call it once per input
 * vector.
 */
#include "tp_sp_rows_mve.h"

void tp_sp_rows_s8_csr16_mve(const tp_sparse_matrix *w, const int8_t *x,
                             const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const int8_t *v = (const int8_t *)w->values;
    const uint16_t *col = (const uint16_t *)w->index;
    int32_t r, start = tp_sp_ptr(w, 0);
    for (r = 0; r < w->rows; ++r) {
        const int32_t end = tp_sp_ptr(w, r + 1);
        y[r] = tp_sp_requant(q, tp_sp_csr16_dot_mve(x, v + start, col + start, end - start, bias[r]), r);
        start = end;
    }
}
