/*
 * Sparse row function, int8, bitmask (one bit per weight position, kept values in order) —
 * plain C. Declared in tp_sp_rows.h; the kernels of this format call it once per input vector.
 */
#include "tp_sp_rows.h"

void tp_sp_rows_s8_bitmask(const tp_sparse_matrix *w, const int8_t *x,
                           const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const int32_t mb = w->aux;
    const uint8_t *mask = (const uint8_t *)w->index;
    const int8_t *v = (const int8_t *)w->values;
    int32_t r;
    for (r = 0; r < w->rows; ++r) {
        const uint8_t *mend = mask + mb;
        const int8_t *xk = x;
        int32_t acc = bias[r];
        for (; mask < mend; ++mask, xk += 8) {
            uint32_t m = *mask;
            while (m) {
                acc += (int32_t)*v++ * (int32_t)xk[tp_sp_ctz(m)];
                m &= m - 1u;
            }
        }
        y[r] = tp_sp_requant(q, acc, r);
    }
}
