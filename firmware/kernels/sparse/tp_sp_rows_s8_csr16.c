/*
 * Sparse row function, int8, CSR with 16-bit column indices — plain C. Declared in
 * tp_sp_rows.h; the kernels of this format call it once per input vector.
 */
#include "tp_sp_rows.h"

void tp_sp_rows_s8_csr16(const tp_sparse_matrix *w, const int8_t *x,
                         const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const int8_t *v0 = (const int8_t *)w->values;
    const uint16_t *col = (const uint16_t *)w->index + tp_sp_ptr(w, 0);
    const int8_t *v = v0 + tp_sp_ptr(w, 0);
    int32_t r;
    for (r = 0; r < w->rows; ++r) {
        const int8_t *vend = v0 + tp_sp_ptr(w, r + 1);
        int32_t acc = bias[r];
        TP_SP_CSR_DOT(acc, v, vend, col, x);
        y[r] = tp_sp_requant(q, acc, r);
    }
}
