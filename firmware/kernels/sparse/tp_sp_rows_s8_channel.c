/*
 * Sparse row function, int8, channel (a smaller dense matrix over the kept rows and input
 * channels) — plain C. Declared in tp_sp_rows.h; the kernels of this format call it once per
 * input vector.
 */
#include "tp_sp_rows.h"

/* x is the gathered input: taps * aux2 values. Rows not kept get their bias alone. */
void tp_sp_rows_s8_channel(const tp_sparse_matrix *w, const int8_t *x,
                           const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const uint16_t *rows = (const uint16_t *)w->ptr;
    const int32_t kept = w->aux;
    const int32_t n = w->taps * w->aux2;
    const int8_t *v = (const int8_t *)w->values;
    int32_t r, i = 0;
    for (r = 0; r < w->rows; ++r) {
        int32_t acc = bias[r];
        if (i < kept && rows[i] == r) {
            acc = tp_sp_dot_s8(v, x, n, acc);
            v += n;
            ++i;
        }
        y[r] = tp_sp_requant(q, acc, r);
    }
}
