/*
 * Sparse row function, int8, pattern (a table of tap masks per input channel, convolution only)
 * — plain C. Declared in tp_sp_rows.h; the kernels of this format call it once per input
 * vector.
 */
#include "tp_sp_rows.h"

void tp_sp_rows_s8_pattern(const tp_sparse_matrix *w, const int8_t *x,
                           const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const int32_t cin = w->cols / w->taps;
    const uint8_t *id = (const uint8_t *)w->index;
    const uint32_t *table = w->table;
    const int8_t *v = (const int8_t *)w->values;
    int32_t r, ci;
    for (r = 0; r < w->rows; ++r) {
        int32_t acc = bias[r];
        for (ci = 0; ci < cin; ++ci) {
            uint32_t m = table[*id++];
            const int8_t *xc = x + ci;
            while (m) {
                acc += (int32_t)*v++ * (int32_t)xc[tp_sp_ctz(m) * cin];
                m &= m - 1u;
            }
        }
        y[r] = tp_sp_requant(q, acc, r);
    }
}
