/*
 * CONV_2D, int8, sparse weights — Helium (MVE) variant for Cortex-M55: CSR with 16-bit columns,
 * eight inputs gathered per VLDRB and multiplied by one VMLADAVA. Bit-identical to the plain
 * kernel (../tp_conv_2d_s8_csr16.c); only the order of the exact int32 sums differs.
 */
#include "tp_sp_rows_mve.h"

tp_status tp_conv_2d_s8_csr16(const tp_sparse_conv_s8_params *params, const int8_t *input,
                              const int32_t *bias, int8_t *output, void *scratch) {
    return tp_sp_conv_s8_run(params, TP_SPARSE_CSR16, input, bias, output, scratch,
                             tp_sp_rows_s8_csr16_mve);
}
