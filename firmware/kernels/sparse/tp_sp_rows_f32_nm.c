/*
 * Sparse row function, float, N:M (N kept of every M columns) — plain C. Declared in
 * tp_sp_rows.h; the kernels of this format call it once per input vector.
 */
#include "tp_sp_rows.h"

void tp_sp_rows_f32_nm(const tp_sparse_matrix *w, const float *x,
                       const float *bias, float amin, float amax, float *y) {
    const int32_t n = w->aux, m = w->aux2;
    const int32_t bits = m == 4 ? 2 : 3;
    const int32_t gpw = 32 / (n * bits);
    const int32_t groups = (w->cols + m - 1) / m;
    const uint32_t pos_mask = (uint32_t)m - 1u;
    const uint32_t *meta = (const uint32_t *)w->index;
    const float *v = (const float *)w->values;
    int32_t r, g, i;
    for (r = 0; r < w->rows; ++r) {
        float total = 0.0f;
        for (g = 0; g < groups;) {
            uint32_t word = *meta++;
            int32_t left = groups - g < gpw ? groups - g : gpw;
            for (; left > 0; --left, ++g) {
                const float *xg = x + g * m;
                for (i = 0; i < n; ++i) {
                    total += *v++ * xg[word & pos_mask];
                    word >>= bits;
                }
            }
        }
        y[r] = tp_clamp_f32(total + TP_SP_BIAS_F32(bias, r), amin, amax);
    }
}
