/*
 * Sparse row function, float, CSR with 16-bit column indices — plain C. Declared in
 * tp_sp_rows.h; the kernels of this format call it once per input vector.
 */
#include "tp_sp_rows.h"

void tp_sp_rows_f32_csr16(const tp_sparse_matrix *w, const float *x,
                          const float *bias, float amin, float amax, float *y) {
    const float *v0 = (const float *)w->values;
    const uint16_t *col = (const uint16_t *)w->index + tp_sp_ptr(w, 0);
    const float *v = v0 + tp_sp_ptr(w, 0);
    int32_t r;
    for (r = 0; r < w->rows; ++r) {
        const float *vend = v0 + tp_sp_ptr(w, r + 1);
        float total = 0.0f;
        while (v < vend) total += *v++ * x[*col++];
        y[r] = tp_clamp_f32(total + TP_SP_BIAS_F32(bias, r), amin, amax);
    }
}
