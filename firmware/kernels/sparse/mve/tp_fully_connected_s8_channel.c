/*
 * FULLY_CONNECTED, int8, sparse weights — Helium (MVE) variant for Cortex-M55: dense over the
 * kept channels, four rows share each 16-byte input vector (VMLADAVA). Bit-identical to the
 * plain kernel (../tp_fully_connected_s8_channel.c); only the order of the exact int32 sums
 * differs.
 */
#include "tp_sp_rows_mve.h"

tp_status tp_fully_connected_s8_channel(const tp_sparse_fc_s8_params *params, const int8_t *input,
                                        const int32_t *bias, int8_t *output, void *scratch) {
    return tp_sp_fc_s8_run(params, TP_SPARSE_CHANNEL, input, bias, output, scratch,
                           tp_sp_rows_s8_channel_mve);
}
