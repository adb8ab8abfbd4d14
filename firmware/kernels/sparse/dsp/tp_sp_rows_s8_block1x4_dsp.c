/*
 * Sparse row function, int8, 1 x 4 blocks — DSP extension (SMLAD). Declared in
 * tp_sp_rows_dsp.h; the kernels of this format call it once per input vector.
 */
#include "tp_sp_rows_dsp.h"

/* A whole block is one word of weights against one word of input: two SMLAD. Only a row's
 * last block can be short (when cols % 4 != 0); it is done in scalar. */
#define TP_SP_BLOCK1X4_ROW(IDX_T)                                                            \
    do {                                                                                     \
        const IDX_T *ip = (const IDX_T *)w->index + start;                                   \
        const IDX_T *pend = (const IDX_T *)w->index + end;                                   \
        if (pend > ip && (int32_t)pend[-1] >= full) --pend;                                  \
        for (; ip < pend; ++ip) {                                                            \
            const uint32_t xw = tp_sp_ld32(x + 4 * (int32_t)*ip), ww = tp_sp_ld32(v);        \
            v += 4;                                                                          \
            acc = tp_sp_smlad(tp_sp_sxtb16(ww), tp_sp_sxtb16(xw), acc);                      \
            acc = tp_sp_smlad(tp_sp_sxtb16_ror8(ww), tp_sp_sxtb16_ror8(xw), acc);            \
        }                                                                                    \
        if (ip < (const IDX_T *)w->index + end) {                                            \
            const int8_t *xb = x + 4 * (int32_t)*ip;                                         \
            for (j = 0; j < w->cols - 4 * (int32_t)*ip; ++j) acc += (int32_t)v[j] * xb[j];   \
            v += 4;                                                                          \
        }                                                                                    \
    } while (0)

void tp_sp_rows_s8_block1x4_dsp(const tp_sparse_matrix *w, const int8_t *x,
                                const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const int8_t *v = (const int8_t *)w->values;
    const int32_t full = w->cols / 4;
    int32_t r, j, start = tp_sp_ptr(w, 0);
    for (r = 0; r < w->rows; ++r) {
        const int32_t end = tp_sp_ptr(w, r + 1);
        int32_t acc = bias[r];
        if (w->index_bytes == 1) {
            TP_SP_BLOCK1X4_ROW(uint8_t);
        } else {
            TP_SP_BLOCK1X4_ROW(uint16_t);
        }
        start = end;
        y[r] = tp_sp_requant(q, acc, r);
    }
}
