/*
 * DEPTHWISE_CONV_2D, float32, sparse weights: per output channel the list of kept taps (CSR
 * with 8-bit tap indices) — plain C. Bit-exact with the dense kernel on the same weights (taps
 * in increasing order, as the reference sums them).
 */
#include "tp_sp_dw.h"

static void pixel_csr8(const tp_sparse_matrix *w, const float *const *px, int32_t mult,
                       const float *bias, float amin, float amax, float *y) {
    const uint8_t *tap = (const uint8_t *)w->index;
    const float *v = (const float *)w->values;
    int32_t o, k, start = tp_sp_ptr(w, 0);
    for (o = 0; o < w->rows; ++o) {
        const int32_t ic = o / mult;
        const int32_t end = tp_sp_ptr(w, o + 1);
        float total = 0.0f;
        for (k = start; k < end; ++k) total += v[k] * px[tap[k]][ic];
        start = end;
        y[o] = tp_clamp_f32(total + (bias ? bias[o] : 0.0f), amin, amax);
    }
}

TP_NO_IPA tp_status tp_depthwise_conv_2d_f32_csr8(const tp_sparse_dwconv_f32_params *params,
                                                  const float *input, const float *bias, float *output,
                                                  void *scratch) {
    return tp_sp_dw_f32_run(params, TP_SPARSE_CSR8, input, bias, output, scratch, pixel_csr8);
}
