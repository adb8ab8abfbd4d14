/*
 * CONV_2D, int8, sparse weights — DSP-extension variant (Cortex-M4/M7/M33/M55): blocks of 4
 * rows x 1 input; SMLAD on pairs of blocks. Bit-identical to the plain kernel
 * (../tp_conv_2d_s8_block4x1.c); only the order of the exact int32 sums differs.
 */
#include "tp_sp_rows_dsp.h"

tp_status tp_conv_2d_s8_block4x1(const tp_sparse_conv_s8_params *params, const int8_t *input,
                                 const int32_t *bias, int8_t *output, void *scratch) {
    return tp_sp_conv_s8_run(params, TP_SPARSE_BLOCK4X1, input, bias, output, scratch,
                             tp_sp_rows_s8_block4x1_dsp);
}
