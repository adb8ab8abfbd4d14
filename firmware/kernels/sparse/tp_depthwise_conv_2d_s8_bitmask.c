/*
 * DEPTHWISE_CONV_2D, int8, sparse weights: a tap mask per output channel and the kept weights
 * packed — plain C. Bit-exact with the dense kernel on the same weights (tp_sparse.h).
 */
#include "tp_sp_dw.h"

static void pixel_bitmask(const tp_sparse_matrix *w, const int8_t *const *px, int32_t mult,
                          const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const int32_t mb = w->aux;
    const uint8_t *mask = (const uint8_t *)w->index;
    const int8_t *v = (const int8_t *)w->values;
    int32_t o, k;
    for (o = 0; o < w->rows; ++o) {
        const int32_t ic = o / mult;
        int32_t acc = bias[o];
        for (k = 0; k < mb; ++k) {
            uint32_t m = mask[k];
            while (m) {
                acc += (int32_t)*v++ * (int32_t)px[8 * k + tp_sp_ctz(m)][ic];
                m &= m - 1u;
            }
        }
        mask += mb;
        y[o] = tp_sp_requant(q, acc, o);
    }
}

tp_status tp_depthwise_conv_2d_s8_bitmask(const tp_sparse_dwconv_s8_params *params,
                                          const int8_t *input, const int32_t *bias,
                                          int8_t *output, void *scratch) {
    return tp_sp_dw_s8_run(params, TP_SPARSE_BITMASK, input, bias, output, scratch, pixel_bitmask);
}
