/*
 * Sparse row function, float, filterlets (kept taps of a filter, each a dense run of input
 * channels) — plain C. Declared in tp_sp_rows.h; the kernels of this format call it once per
 * input vector.
 */
#include "tp_sp_rows.h"

void tp_sp_rows_f32_filterlet(const tp_sparse_matrix *w, const float *x,
                              const float *bias, float amin, float amax, float *y) {
    const int32_t cin = w->aux;
    const uint8_t *tap = (const uint8_t *)w->index;
    const float *v = (const float *)w->values;
    int32_t r, f, j, start = tp_sp_ptr(w, 0);
    for (r = 0; r < w->rows; ++r) {
        const int32_t end = tp_sp_ptr(w, r + 1);
        float total = 0.0f;
        for (f = start; f < end; ++f) {
            const float *xt = x + (size_t)tap[f] * (size_t)cin;
            const float *vf = v + (size_t)f * (size_t)cin;
            for (j = 0; j < cin; ++j) total += vf[j] * xt[j];
        }
        start = end;
        y[r] = tp_clamp_f32(total + TP_SP_BIAS_F32(bias, r), amin, amax);
    }
}
