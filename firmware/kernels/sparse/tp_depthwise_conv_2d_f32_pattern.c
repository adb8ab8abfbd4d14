/*
 * DEPTHWISE_CONV_2D, float32, sparse weights: a pattern id per output channel into the layer's
 * table of tap masks — plain C. Bit-exact with the dense kernel on the same weights (a
 * channel's taps are summed in increasing order, as in the reference).
 */
#include "tp_sp_dw.h"

static void pixel_pattern(const tp_sparse_matrix *w, const float *const *px, int32_t mult,
                          const float *bias, float amin, float amax, float *y) {
    const uint8_t *id = (const uint8_t *)w->index;
    const float *v = (const float *)w->values;
    int32_t o;
    for (o = 0; o < w->rows; ++o) {
        const int32_t ic = o / mult;
        uint32_t m = w->table[id[o]];
        float total = 0.0f;
        while (m) {
            total += *v++ * px[tp_sp_ctz(m)][ic];
            m &= m - 1u;
        }
        y[o] = tp_clamp_f32(total + (bias ? bias[o] : 0.0f), amin, amax);
    }
}

TP_NO_IPA tp_status tp_depthwise_conv_2d_f32_pattern(const tp_sparse_dwconv_f32_params *params,
                                                     const float *input, const float *bias, float *output,
                                                     void *scratch) {
    return tp_sp_dw_f32_run(params, TP_SPARSE_PATTERN, input, bias, output, scratch,
                            pixel_pattern);
}
