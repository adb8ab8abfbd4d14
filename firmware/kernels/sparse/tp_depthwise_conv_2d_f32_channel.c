/*
 * DEPTHWISE_CONV_2D, float32: the channels left after removing those whose filter is all zero,
 * dense over their taps — plain C. A removed channel outputs clamp(bias). Bit-exact with the
 * dense kernel on the same weights.
 */
#include "tp_sp_dw.h"

static void pixel_channel(const tp_sparse_matrix *w, const float *const *px, int32_t mult,
                          const float *bias, float amin, float amax, float *y) {
    const uint16_t *rows = (const uint16_t *)w->ptr;
    const int32_t kept = w->aux;
    const int32_t taps = w->taps;
    const float *v = (const float *)w->values;
    int32_t o, t, i = 0;
    for (o = 0; o < w->rows; ++o) {
        float total = 0.0f;
        if (i < kept && rows[i] == o) {
            const int32_t ic = o / mult;
            const float *vr = v + (size_t)i * (size_t)taps;
            for (t = 0; t < taps; ++t) total += vr[t] * px[t][ic];
            ++i;
        }
        y[o] = tp_clamp_f32(total + (bias ? bias[o] : 0.0f), amin, amax);
    }
}

TP_NO_IPA tp_status tp_depthwise_conv_2d_f32_channel(const tp_sparse_dwconv_f32_params *params,
                                                     const float *input, const float *bias, float *output,
                                                     void *scratch) {
    return tp_sp_dw_f32_run(params, TP_SPARSE_CHANNEL, input, bias, output, scratch,
                            pixel_channel);
}
