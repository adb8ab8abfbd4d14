/*
 * FULLY_CONNECTED, float32, sparse weights: N:M along the input (2:4, 1:4, 1:8): N values and
 * packed positions per M inputs — plain C. Bit-exact with the dense kernel on the same weights
 * (tp_sparse.h).
 */
#include "tp_sp_rows.h"

tp_status tp_fully_connected_f32_nm(const tp_sparse_fc_f32_params *params, const float *input,
                                    const float *bias, float *output, void *scratch) {
    return tp_sp_fc_f32_run(params, TP_SPARSE_NM, input, bias, output, scratch, tp_sp_rows_f32_nm);
}
