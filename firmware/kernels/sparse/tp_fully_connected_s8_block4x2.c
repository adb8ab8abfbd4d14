/*
 * FULLY_CONNECTED, int8, sparse weights: blocks of 4 rows x 2 adjacent inputs — plain C. Bit-
 * exact with the dense kernel on the same weights (tp_sparse.h).
 */
#include "tp_sp_rows.h"

tp_status tp_fully_connected_s8_block4x2(const tp_sparse_fc_s8_params *params, const int8_t *input,
                                         const int32_t *bias, int8_t *output, void *scratch) {
    return tp_sp_fc_s8_run(params, TP_SPARSE_BLOCK4X2, input, bias, output, scratch,
                           tp_sp_rows_s8_block4x2);
}
