/*
 * DEPTHWISE_CONV_2D, float32, sparse weights: a tap mask per output channel and the kept
 * weights packed — plain C. Bit-exact with the dense kernel on the same weights.
 */
#include "tp_sp_dw.h"

static void pixel_bitmask(const tp_sparse_matrix *w, const float *const *px, int32_t mult,
                          const float *bias, float amin, float amax, float *y) {
    const int32_t mb = w->aux;
    const uint8_t *mask = (const uint8_t *)w->index;
    const float *v = (const float *)w->values;
    int32_t o, k;
    for (o = 0; o < w->rows; ++o) {
        const int32_t ic = o / mult;
        float total = 0.0f;
        for (k = 0; k < mb; ++k) {
            uint32_t m = mask[k];
            while (m) {
                total += *v++ * px[8 * k + tp_sp_ctz(m)][ic];
                m &= m - 1u;
            }
        }
        mask += mb;
        y[o] = tp_clamp_f32(total + (bias ? bias[o] : 0.0f), amin, amax);
    }
}

TP_NO_IPA tp_status tp_depthwise_conv_2d_f32_bitmask(const tp_sparse_dwconv_f32_params *params,
                                                     const float *input, const float *bias, float *output,
                                                     void *scratch) {
    return tp_sp_dw_f32_run(params, TP_SPARSE_BITMASK, input, bias, output, scratch,
                            pixel_bitmask);
}
