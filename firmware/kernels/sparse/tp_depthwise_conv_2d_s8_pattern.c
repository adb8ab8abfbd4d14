/*
 * DEPTHWISE_CONV_2D, int8, sparse weights: a pattern id per output channel into the layer's
 * table of tap masks — plain C. Bit-exact with the dense kernel on the same weights.
 */
#include "tp_sp_dw.h"

static void pixel_pattern(const tp_sparse_matrix *w, const int8_t *const *px, int32_t mult,
                          const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const uint8_t *id = (const uint8_t *)w->index;
    const int8_t *v = (const int8_t *)w->values;
    int32_t o;
    for (o = 0; o < w->rows; ++o) {
        const int32_t ic = o / mult;
        uint32_t m = w->table[id[o]];
        int32_t acc = bias[o];
        while (m) {
            acc += (int32_t)*v++ * (int32_t)px[tp_sp_ctz(m)][ic];
            m &= m - 1u;
        }
        y[o] = tp_sp_requant(q, acc, o);
    }
}

tp_status tp_depthwise_conv_2d_s8_pattern(const tp_sparse_dwconv_s8_params *params,
                                          const int8_t *input, const int32_t *bias,
                                          int8_t *output, void *scratch) {
    return tp_sp_dw_s8_run(params, TP_SPARSE_PATTERN, input, bias, output, scratch, pixel_pattern);
}
