/*
 * Sparse row function, int8, N:M (N kept of every M columns) — plain C. Declared in
 * tp_sp_rows.h; the kernels of this format call it once per input vector.
 */
#include "tp_sp_rows.h"

/* The three layouts, unrolled: 2:4 (8 groups of two 2-bit positions per word), 1:4 (16 groups
 * of one 2-bit position) and 1:8 (10 groups of one 3-bit position). */
void tp_sp_rows_s8_nm(const tp_sparse_matrix *w, const int8_t *x,
                      const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const int32_t n = w->aux, m = w->aux2;
    const int32_t bits = m == 4 ? 2 : 3;
    const int32_t gpw = 32 / (n * bits);
    const int32_t groups = (w->cols + m - 1) / m;
    const uint32_t *meta = (const uint32_t *)w->index;
    const int8_t *v = (const int8_t *)w->values;
    int32_t r, g, i;
    for (r = 0; r < w->rows; ++r) {
        int32_t acc = bias[r];
        const int8_t *xg = x;
        for (g = 0; g < groups;) {
            uint32_t word = *meta++;
            const int32_t left = groups - g < gpw ? groups - g : gpw;
            const int8_t *vend = v + left * n;
            g += left;
            if (n == 2 && m == 4) {
                for (; v < vend; v += 2, xg += 4, word >>= 4) {
                    acc += (int32_t)v[0] * xg[word & 3u] + (int32_t)v[1] * xg[(word >> 2) & 3u];
                }
            } else if (n == 1 && m == 4) {
                for (; v < vend; ++v, xg += 4, word >>= 2) acc += (int32_t)*v * xg[word & 3u];
            } else if (n == 1 && m == 8) {
                for (; v < vend; ++v, xg += 8, word >>= 3) acc += (int32_t)*v * xg[word & 7u];
            } else {
                for (; v < vend; xg += m) {
                    for (i = 0; i < n; ++i, word >>= bits) {
                        acc += (int32_t)*v++ * xg[word & (uint32_t)(m - 1)];
                    }
                }
            }
        }
        y[r] = tp_sp_requant(q, acc, r);
    }
}
