/*
 * Sparse row function, float, CSR with 8-bit columns within 256-column segments — plain C.
 * Declared in tp_sp_rows.h; the kernels of this format call it once per input vector.
 */
#include "tp_sp_rows.h"

void tp_sp_rows_f32_csr8(const tp_sparse_matrix *w, const float *x,
                         const float *bias, float amin, float amax, float *y) {
    const float *v0 = (const float *)w->values;
    const uint8_t *col = (const uint8_t *)w->index + tp_sp_ptr(w, 0);
    const float *v = v0 + tp_sp_ptr(w, 0);
    const int32_t segs = w->aux;
    int32_t r, s, p = 0;
    for (r = 0; r < w->rows; ++r) {
        float total = 0.0f;
        const float *xs = x;
        for (s = 0; s < segs; ++s, xs += 256) {
            const float *vend = v0 + tp_sp_ptr(w, ++p);
            while (v < vend) total += *v++ * xs[*col++];
        }
        y[r] = tp_clamp_f32(total + TP_SP_BIAS_F32(bias, r), amin, amax);
    }
}
