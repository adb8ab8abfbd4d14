/*
 * Sparse row function, int8, filterlets (kept taps of a filter, each a dense run of input
 * channels) — DSP extension (SMLAD). Declared in tp_sp_rows_dsp.h; the kernels of this format
 * call it once per input vector.
 */
#include "tp_sp_rows_dsp.h"

void tp_sp_rows_s8_filterlet_dsp(const tp_sparse_matrix *w, const int8_t *x,
                                 const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    TP_SP_FILTERLET_S8_ROWS(tp_sp_dot_s8_dsp);
}
