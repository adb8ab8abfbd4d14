/*
 * CONV_2D, float32, sparse weights: dense over the kept output and input channels — plain C.
 * Bit-exact with the dense kernel on the same weights (tp_sparse.h). The patch gathers only the
 * kept input channels (im2col), the rows are dense over them.
 */
#include "tp_sp_rows.h"

tp_status tp_conv_2d_f32_channel(const tp_sparse_conv_f32_params *params, const float *input,
                                 const float *bias, float *output, void *scratch) {
    return tp_sp_conv_f32_run(params, TP_SPARSE_CHANNEL, input, bias, output, scratch,
                              tp_sp_rows_f32_channel);
}
