/*
 * Sparse row function, int8, 1 x C blocks (block1x4, block1x16) — plain C. Declared in
 * tp_sp_rows.h; the kernels of this format call it once per input vector.
 */
#include "tp_sp_rows.h"

/* The block at column c holds min(bc, cols - c) real columns (the last one may be short). */
void tp_sp_rows_s8_block1xc(const tp_sparse_matrix *w, const int8_t *x,
                            const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const int32_t bc = w->aux2;
    const int32_t full = w->cols / bc; /* blocks b < full are whole */
    const int8_t *v = (const int8_t *)w->values;
    int32_t r, k, j, start = tp_sp_ptr(w, 0);
    for (r = 0; r < w->rows; ++r) {
        const int32_t end = tp_sp_ptr(w, r + 1);
        int32_t acc = bias[r];
        for (k = start; k < end; ++k, v += bc) {
            const int32_t b = tp_sp_index(w, k);
            const int8_t *xb = x + b * bc;
            if (b < full) {
                for (j = 0; j < bc; j += 4) {
                    acc += (int32_t)v[j] * xb[j] + (int32_t)v[j + 1] * xb[j + 1] +
                           (int32_t)v[j + 2] * xb[j + 2] + (int32_t)v[j + 3] * xb[j + 3];
                }
            } else {
                for (j = 0; j < w->cols - b * bc; ++j) acc += (int32_t)v[j] * xb[j];
            }
        }
        start = end;
        y[r] = tp_sp_requant(q, acc, r);
    }
}
