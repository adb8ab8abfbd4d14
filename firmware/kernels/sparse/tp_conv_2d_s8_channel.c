/*
 * CONV_2D, int8, sparse weights: dense over the kept output and input channels — plain C. Bit-
 * exact with the dense kernel on the same weights (tp_sparse.h). The patch gathers only the
 * kept input channels (im2col), the rows are dense over them.
 */
#include "tp_sp_rows.h"

tp_status tp_conv_2d_s8_channel(const tp_sparse_conv_s8_params *params, const int8_t *input,
                                const int32_t *bias, int8_t *output, void *scratch) {
    return tp_sp_conv_s8_run(params, TP_SPARSE_CHANNEL, input, bias, output, scratch,
                             tp_sp_rows_s8_channel);
}
