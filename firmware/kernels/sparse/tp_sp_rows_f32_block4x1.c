/*
 * Sparse row function, float, 4 x 1 blocks — plain C. Declared in tp_sp_rows.h; the kernels of
 * this format call it once per input vector.
 */
#include "tp_sp_rows.h"

void tp_sp_rows_f32_block4x1(const tp_sparse_matrix *w, const float *x,
                             const float *bias, float amin, float amax, float *y) {
    const float *v = (const float *)w->values;
    const int32_t groups = (w->rows + 3) / 4;
    int32_t g, k, i, start = tp_sp_ptr(w, 0);
    for (g = 0; g < groups; ++g) {
        const int32_t end = tp_sp_ptr(w, g + 1);
        const int32_t r0 = 4 * g;
        const int32_t nr = w->rows - r0 < 4 ? w->rows - r0 : 4;
        float t0 = 0.0f, t1 = 0.0f, t2 = 0.0f, t3 = 0.0f;
        for (k = start; k + 2 <= end; k += 2) {
            /* Column a before column b in every row: the reference's order. */
            const float xa = x[tp_sp_index(w, k)];
            const float xb = x[tp_sp_index(w, k + 1)];
            t0 += v[0] * xa;
            t0 += v[2] * xb;
            t1 += v[1] * xa;
            t1 += v[3] * xb;
            t2 += v[4] * xa;
            t2 += v[6] * xb;
            t3 += v[5] * xa;
            t3 += v[7] * xb;
            v += 8;
        }
        if (k < end) {
            const float xa = x[tp_sp_index(w, k)];
            t0 += v[0] * xa;
            t1 += v[1] * xa;
            t2 += v[2] * xa;
            t3 += v[3] * xa;
            v += 4;
        }
        start = end;
        {
            const float t[4] = {t0, t1, t2, t3};
            for (i = 0; i < nr; ++i) y[r0 + i] = tp_clamp_f32(t[i] + TP_SP_BIAS_F32(bias, r0 + i), amin, amax);
        }
    }
}
