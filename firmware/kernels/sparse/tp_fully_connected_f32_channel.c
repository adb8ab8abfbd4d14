/*
 * FULLY_CONNECTED, float32, sparse weights: dense over the kept output and input channels —
 * plain C. Bit-exact with the dense kernel on the same weights (tp_sparse.h). The kept inputs
 * are gathered into scratch first.
 */
#include "tp_sp_rows.h"

tp_status tp_fully_connected_f32_channel(const tp_sparse_fc_f32_params *params, const float *input,
                                         const float *bias, float *output, void *scratch) {
    return tp_sp_fc_f32_run(params, TP_SPARSE_CHANNEL, input, bias, output, scratch,
                            tp_sp_rows_f32_channel);
}
