/*
 * DEPTHWISE_CONV_2D, int8, sparse weights: per output channel the list of kept taps (CSR with
 * 8-bit tap indices) — plain C. Bit-exact with the dense kernel on the same weights
 * (tp_sparse.h, tp_sp_dw.h).
 */
#include "tp_sp_dw.h"

static void pixel_csr8(const tp_sparse_matrix *w, const int8_t *const *px, int32_t mult,
                       const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const uint8_t *tap = (const uint8_t *)w->index;
    const int8_t *v = (const int8_t *)w->values;
    int32_t o, k, start = tp_sp_ptr(w, 0);
    for (o = 0; o < w->rows; ++o) {
        const int32_t ic = o / mult;
        const int32_t end = tp_sp_ptr(w, o + 1);
        int32_t acc = bias[o];
        for (k = start; k < end; ++k) acc += (int32_t)v[k] * (int32_t)px[tap[k]][ic];
        start = end;
        y[o] = tp_sp_requant(q, acc, o);
    }
}

tp_status tp_depthwise_conv_2d_s8_csr8(const tp_sparse_dwconv_s8_params *params,
                                       const int8_t *input, const int32_t *bias,
                                       int8_t *output, void *scratch) {
    return tp_sp_dw_s8_run(params, TP_SPARSE_CSR8, input, bias, output, scratch, pixel_csr8);
}
