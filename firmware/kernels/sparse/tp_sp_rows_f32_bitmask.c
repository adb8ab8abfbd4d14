/*
 * Sparse row function, float, bitmask (one bit per weight position, kept values in order) —
 * plain C. Declared in tp_sp_rows.h; the kernels of this format call it once per input vector.
 */
#include "tp_sp_rows.h"

void tp_sp_rows_f32_bitmask(const tp_sparse_matrix *w, const float *x,
                            const float *bias, float amin, float amax, float *y) {
    const int32_t mb = w->aux;
    const uint8_t *mask = (const uint8_t *)w->index;
    const float *v = (const float *)w->values;
    int32_t r;
    for (r = 0; r < w->rows; ++r) {
        const uint8_t *mend = mask + mb;
        const float *xk = x;
        float total = 0.0f;
        for (; mask < mend; ++mask, xk += 8) {
            uint32_t m = *mask;
            while (m) {
                total += *v++ * xk[tp_sp_ctz(m)];
                m &= m - 1u;
            }
        }
        y[r] = tp_clamp_f32(total + TP_SP_BIAS_F32(bias, r), amin, amax);
    }
}
