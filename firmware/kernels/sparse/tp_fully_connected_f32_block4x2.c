/*
 * FULLY_CONNECTED, float32, sparse weights: blocks of 4 rows x 2 adjacent inputs — plain C.
 * Bit-exact with the dense kernel on the same weights (tp_sparse.h).
 */
#include "tp_sp_rows.h"

tp_status tp_fully_connected_f32_block4x2(const tp_sparse_fc_f32_params *params, const float *input,
                                          const float *bias, float *output, void *scratch) {
    return tp_sp_fc_f32_run(params, TP_SPARSE_BLOCK4X2, input, bias, output, scratch,
                            tp_sp_rows_f32_block4x2);
}
