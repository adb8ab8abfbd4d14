/*
 * Sparse row function, float, channel (a smaller dense matrix over the kept rows and input
 * channels) — plain C. Declared in tp_sp_rows.h; the kernels of this format call it once per
 * input vector.
 */
#include "tp_sp_rows.h"

void tp_sp_rows_f32_channel(const tp_sparse_matrix *w, const float *x,
                            const float *bias, float amin, float amax, float *y) {
    const uint16_t *rows = (const uint16_t *)w->ptr;
    const int32_t kept = w->aux;
    const int32_t n = w->taps * w->aux2;
    const float *v = (const float *)w->values;
    int32_t r, i = 0, j;
    for (r = 0; r < w->rows; ++r) {
        float total = 0.0f;
        if (i < kept && rows[i] == r) {
            for (j = 0; j < n; ++j) total += v[j] * x[j];
            v += n;
            ++i;
        }
        y[r] = tp_clamp_f32(total + TP_SP_BIAS_F32(bias, r), amin, amax);
    }
}
