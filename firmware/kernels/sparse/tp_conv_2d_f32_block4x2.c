/*
 * CONV_2D, float32, sparse weights: blocks of 4 rows x 2 adjacent inputs — plain C. Bit-exact
 * with the dense kernel on the same weights (tp_sparse.h). Each output pixel's input patch is
 * built in scratch (im2col; padding taps hold the input zero point as 0.0f) and multiplied by
 * the sparse rows.
 */
#include "tp_sp_rows.h"

tp_status tp_conv_2d_f32_block4x2(const tp_sparse_conv_f32_params *params, const float *input,
                                  const float *bias, float *output, void *scratch) {
    return tp_sp_conv_f32_run(params, TP_SPARSE_BLOCK4X2, input, bias, output, scratch,
                              tp_sp_rows_f32_block4x2);
}
