/*
 * Sparse row function, int8, 4 x 2 blocks — plain C. Declared in tp_sp_rows.h; the kernels of
 * this format call it once per input vector.
 */
#include "tp_sp_rows.h"

/* Per block [r0c0 r1c0 r0c1 r1c1 r2c0 r3c0 r2c1 r3c1] against (x[2b], x[2b+1]); a last block
 * whose second column lies past the matrix (odd cols) holds zeros there and is read as one
 * column. */
void tp_sp_rows_s8_block4x2(const tp_sparse_matrix *w, const int8_t *x,
                            const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const int8_t *v = (const int8_t *)w->values;
    const int32_t groups = (w->rows + 3) / 4;
    const int32_t full = w->cols / 2;
    int32_t g, k, i, start = tp_sp_ptr(w, 0);
    for (g = 0; g < groups; ++g) {
        const int32_t end = tp_sp_ptr(w, g + 1);
        const int32_t r0 = 4 * g;
        int32_t a[4] = {0, 0, 0, 0};
        for (k = start; k < end; ++k, v += 8) {
            const int32_t b = tp_sp_index(w, k);
            const int32_t x0 = x[2 * b];
            const int32_t x1 = b < full ? x[2 * b + 1] : 0;
            a[0] += v[0] * x0 + v[2] * x1;
            a[1] += v[1] * x0 + v[3] * x1;
            a[2] += v[4] * x0 + v[6] * x1;
            a[3] += v[5] * x0 + v[7] * x1;
        }
        start = end;
        for (i = 0; i < 4 && r0 + i < w->rows; ++i) y[r0 + i] = tp_sp_requant(q, bias[r0 + i] + a[i], r0 + i);
    }
}
