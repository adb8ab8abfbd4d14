/*
 * Sparse row function, int8, 4 x 1 blocks — plain C. Declared in tp_sp_rows.h; the kernels of
 * this format call it once per input vector.
 */
#include "tp_sp_rows.h"

void tp_sp_rows_s8_block4x1(const tp_sparse_matrix *w, const int8_t *x,
                            const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const int8_t *v = (const int8_t *)w->values;
    const int32_t groups = (w->rows + 3) / 4;
    int32_t g, k, i, start = tp_sp_ptr(w, 0);
    for (g = 0; g < groups; ++g) {
        const int32_t end = tp_sp_ptr(w, g + 1);
        const int32_t r0 = 4 * g;
        const int32_t nr = w->rows - r0 < 4 ? w->rows - r0 : 4;
        int32_t acc[4] = {0, 0, 0, 0};
        int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        for (k = start; k + 2 <= end; k += 2) {
            /* [a0 a1 b0 b1 a2 a3 b2 b3] */
            const int32_t xa = x[tp_sp_index(w, k)];
            const int32_t xb = x[tp_sp_index(w, k + 1)];
            a0 += v[0] * xa + v[2] * xb;
            a1 += v[1] * xa + v[3] * xb;
            a2 += v[4] * xa + v[6] * xb;
            a3 += v[5] * xa + v[7] * xb;
            v += 8;
        }
        if (k < end) {
            const int32_t xa = x[tp_sp_index(w, k)];
            a0 += v[0] * xa;
            a1 += v[1] * xa;
            a2 += v[2] * xa;
            a3 += v[3] * xa;
            v += 4;
        }
        start = end;
        acc[0] = a0;
        acc[1] = a1;
        acc[2] = a2;
        acc[3] = a3;
        for (i = 0; i < nr; ++i) y[r0 + i] = tp_sp_requant(q, bias[r0 + i] + acc[i], r0 + i);
    }
}
