/*
 * Sparse row function, float, 1 x C blocks (block1x4, block1x16) — plain C. Declared in
 * tp_sp_rows.h; the kernels of this format call it once per input vector.
 */
#include "tp_sp_rows.h"

void tp_sp_rows_f32_block1xc(const tp_sparse_matrix *w, const float *x,
                             const float *bias, float amin, float amax, float *y) {
    const int32_t bc = w->aux2;
    const float *v = (const float *)w->values;
    int32_t r, k, j, start = tp_sp_ptr(w, 0);
    for (r = 0; r < w->rows; ++r) {
        const int32_t end = tp_sp_ptr(w, r + 1);
        float total = 0.0f;
        for (k = start; k < end; ++k, v += bc) {
            const int32_t c = tp_sp_index(w, k) * bc;
            const int32_t n = w->cols - c < bc ? w->cols - c : bc;
            for (j = 0; j < n; ++j) total += v[j] * x[c + j];
        }
        start = end;
        y[r] = tp_clamp_f32(total + TP_SP_BIAS_F32(bias, r), amin, amax);
    }
}
