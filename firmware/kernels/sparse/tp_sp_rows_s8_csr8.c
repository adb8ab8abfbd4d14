/*
 * Sparse row function, int8, CSR with 8-bit columns within 256-column segments — plain C.
 * Declared in tp_sp_rows.h; the kernels of this format call it once per input vector.
 */
#include "tp_sp_rows.h"

void tp_sp_rows_s8_csr8(const tp_sparse_matrix *w, const int8_t *x,
                        const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const int8_t *v0 = (const int8_t *)w->values;
    const uint8_t *col = (const uint8_t *)w->index + tp_sp_ptr(w, 0);
    const int8_t *v = v0 + tp_sp_ptr(w, 0);
    const int32_t segs = w->aux;
    int32_t r, s, p = 0;
    for (r = 0; r < w->rows; ++r) {
        int32_t acc = bias[r];
        const int8_t *xs = x;
        for (s = 0; s < segs; ++s, xs += 256) {
            const int8_t *vend = v0 + tp_sp_ptr(w, ++p);
            TP_SP_CSR_DOT(acc, v, vend, col, xs);
        }
        y[r] = tp_sp_requant(q, acc, r);
    }
}
