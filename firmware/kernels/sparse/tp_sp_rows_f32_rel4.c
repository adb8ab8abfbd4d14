/*
 * Sparse row function, float, relative indices (4-bit gaps between kept columns) — plain C.
 * Declared in tp_sp_rows.h; the kernels of this format call it once per input vector.
 */
#include "tp_sp_rows.h"

void tp_sp_rows_f32_rel4(const tp_sparse_matrix *w, const float *x,
                         const float *bias, float amin, float amax, float *y) {
    const uint8_t *gaps = (const uint8_t *)w->index;
    const float *v = (const float *)w->values;
    int32_t r, k = tp_sp_ptr(w, 0);
    for (r = 0; r < w->rows; ++r) {
        const int32_t end = tp_sp_ptr(w, r + 1);
        float total = 0.0f;
        int32_t pos = -1;
        for (; k < end; ++k) {
            pos += 1 + ((gaps[k >> 1] >> ((k & 1) * 4)) & 15);
            total += v[k] * x[pos]; /* a filler adds x * 0 = +-0: no change */
        }
        y[r] = tp_clamp_f32(total + TP_SP_BIAS_F32(bias, r), amin, amax);
    }
}
