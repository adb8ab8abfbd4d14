/*
 * FULLY_CONNECTED, int8, sparse weights: dense over the kept output and input channels — plain
 * C. Bit-exact with the dense kernel on the same weights (tp_sparse.h). The kept inputs are
 * gathered into scratch first.
 */
#include "tp_sp_rows.h"

tp_status tp_fully_connected_s8_channel(const tp_sparse_fc_s8_params *params, const int8_t *input,
                                        const int32_t *bias, int8_t *output, void *scratch) {
    return tp_sp_fc_s8_run(params, TP_SPARSE_CHANNEL, input, bias, output, scratch,
                           tp_sp_rows_s8_channel);
}
