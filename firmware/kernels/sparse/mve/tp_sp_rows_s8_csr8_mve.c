/*
 * Sparse row function, int8, CSR with 8-bit columns within 256-column segments, gathered —
 * Helium (MVE), Cortex-M55. Declared in tp_sp_rows_mve.h; the kernels of this format call it
 * once per input vector.
 */
#include "tp_sp_rows_mve.h"

void tp_sp_rows_s8_csr8_mve(const tp_sparse_matrix *w, const int8_t *x,
                            const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const int8_t *v = (const int8_t *)w->values;
    const uint8_t *col = (const uint8_t *)w->index;
    const int32_t segs = w->aux;
    int32_t r, s, p = 0, start = tp_sp_ptr(w, 0);
    for (r = 0; r < w->rows; ++r) {
        int32_t acc = bias[r];
        for (s = 0; s < segs; ++s) {
            const int32_t end = tp_sp_ptr(w, ++p);
            acc = tp_sp_csr8_dot_mve(x + 256 * s, v + start, col + start, end - start, acc);
            start = end;
        }
        y[r] = tp_sp_requant(q, acc, r);
    }
}
