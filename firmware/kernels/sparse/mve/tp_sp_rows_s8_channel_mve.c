/*
 * Sparse row function, int8, channel (a smaller dense matrix over the kept rows and input
 * channels) — Helium (MVE), Cortex-M55. Declared in tp_sp_rows_mve.h; the kernels of this
 * format call it once per input vector.
 */
#include "tp_sp_rows_mve.h"

void tp_sp_rows_s8_channel_mve(const tp_sparse_matrix *w, const int8_t *x,
                               const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    TP_SP_CHANNEL_S8_ROWS4(tp_sp_dot4_s8_mve, tp_sp_dot_s8_mve);
}
