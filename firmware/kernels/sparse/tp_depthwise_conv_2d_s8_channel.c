/*
 * DEPTHWISE_CONV_2D, int8: the channels left after removing those whose filter is all zero,
 * dense over their taps — plain C. A removed channel outputs its requantised bias. Bit-exact
 * with the dense kernel on the same weights.
 */
#include "tp_sp_dw.h"

static void pixel_channel(const tp_sparse_matrix *w, const int8_t *const *px, int32_t mult,
                          const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const uint16_t *rows = (const uint16_t *)w->ptr;
    const int32_t kept = w->aux;
    const int32_t taps = w->taps;
    const int8_t *v = (const int8_t *)w->values;
    int32_t o, t, i = 0;
    for (o = 0; o < w->rows; ++o) {
        int32_t acc = bias[o];
        if (i < kept && rows[i] == o) {
            const int32_t ic = o / mult;
            const int8_t *vr = v + (size_t)i * (size_t)taps;
            for (t = 0; t < taps; ++t) acc += (int32_t)vr[t] * (int32_t)px[t][ic];
            ++i;
        }
        y[o] = tp_sp_requant(q, acc, o);
    }
}

tp_status tp_depthwise_conv_2d_s8_channel(const tp_sparse_dwconv_s8_params *params,
                                          const int8_t *input, const int32_t *bias,
                                          int8_t *output, void *scratch) {
    return tp_sp_dw_s8_run(params, TP_SPARSE_CHANNEL, input, bias, output, scratch, pixel_channel);
}
