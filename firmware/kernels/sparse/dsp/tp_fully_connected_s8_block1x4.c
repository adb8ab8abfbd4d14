/*
 * FULLY_CONNECTED, int8, sparse weights — DSP-extension variant (Cortex-M4/M7/M33/M55): blocks
 * of 4 consecutive inputs; one word of weights and one of input, two SMLAD. Bit-identical to
 * the plain kernel (../tp_fully_connected_s8_block1x4.c); only the order of the exact int32
 * sums differs.
 */
#include "tp_sp_rows_dsp.h"

tp_status tp_fully_connected_s8_block1x4(const tp_sparse_fc_s8_params *params, const int8_t *input,
                                         const int32_t *bias, int8_t *output, void *scratch) {
    return tp_sp_fc_s8_run(params, TP_SPARSE_BLOCK1X4, input, bias, output, scratch,
                           tp_sp_rows_s8_block1x4_dsp);
}
