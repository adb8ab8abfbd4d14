/*
 * Sparse row function, float, 4 x 2 blocks — plain C. Declared in tp_sp_rows.h; the kernels of
 * this format call it once per input vector.
 */
#include "tp_sp_rows.h"

void tp_sp_rows_f32_block4x2(const tp_sparse_matrix *w, const float *x,
                             const float *bias, float amin, float amax, float *y) {
    static const int8_t c0[4] = {0, 1, 4, 5}, c1[4] = {2, 3, 6, 7};
    const float *v = (const float *)w->values;
    const int32_t groups = (w->rows + 3) / 4;
    const int32_t full = w->cols / 2;
    int32_t g, k, i, start = tp_sp_ptr(w, 0);
    for (g = 0; g < groups; ++g) {
        const int32_t end = tp_sp_ptr(w, g + 1);
        const int32_t r0 = 4 * g;
        float t[4] = {0.0f, 0.0f, 0.0f, 0.0f};
        for (k = start; k < end; ++k, v += 8) {
            const int32_t b = tp_sp_index(w, k);
            const float x0 = x[2 * b];
            for (i = 0; i < 4; ++i) t[i] += v[c0[i]] * x0; /* column 2b, then 2b + 1 */
            if (b < full) {
                const float x1 = x[2 * b + 1];
                for (i = 0; i < 4; ++i) t[i] += v[c1[i]] * x1;
            }
        }
        start = end;
        for (i = 0; i < 4 && r0 + i < w->rows; ++i) y[r0 + i] = tp_clamp_f32(t[i] + TP_SP_BIAS_F32(bias, r0 + i), amin, amax);
    }
}
