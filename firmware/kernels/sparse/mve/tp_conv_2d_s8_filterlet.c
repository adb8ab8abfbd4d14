/*
 * CONV_2D, int8, sparse weights — Helium (MVE) variant for Cortex-M55: dense C_in vectors per
 * kept (output channel, tap), tail-predicated VMLADAVA. Bit-identical to the plain kernel
 * (../tp_conv_2d_s8_filterlet.c); only the order of the exact int32 sums differs.
 */
#include "tp_sp_rows_mve.h"

tp_status tp_conv_2d_s8_filterlet(const tp_sparse_conv_s8_params *params, const int8_t *input,
                                  const int32_t *bias, int8_t *output, void *scratch) {
    return tp_sp_conv_s8_run(params, TP_SPARSE_FILTERLET, input, bias, output, scratch,
                             tp_sp_rows_s8_filterlet_mve);
}
