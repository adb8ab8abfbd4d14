/*
 * Sparse row function, int8, 4 x 2 blocks — DSP extension (SMLAD). Declared in
 * tp_sp_rows_dsp.h; the kernels of this format call it once per input vector.
 */
#include "tp_sp_rows_dsp.h"

/* A whole 4x2 block: the two adjacent inputs from one halfword (duplicated so that SXTB16,
 * which takes bytes 0 and 2, yields them as int16 lanes), then one SMLAD per row. A last block
 * whose second column lies past the matrix is done in scalar. */
#define TP_SP_BLOCK4X2_ROWS(IDX_T)                                                           \
    do {                                                                                     \
        const IDX_T *ip = (const IDX_T *)w->index + tp_sp_ptr(w, 0);                         \
        for (g = 0; g < groups; ++g) {                                                       \
            const IDX_T *gend = (const IDX_T *)w->index + tp_sp_ptr(w, g + 1);               \
            const IDX_T *pend = gend;                                                        \
            const int32_t r0 = 4 * g;                                                        \
            int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;                                          \
            if (pend > ip && (int32_t)pend[-1] >= full) --pend;                              \
            for (; ip < pend; ++ip) {                                                        \
                uint16_t h;                                                                  \
                uint32_t xx, wa, wb;                                                         \
                memcpy(&h, x + 2 * (int32_t)*ip, 2);                                         \
                xx = tp_sp_sxtb16((uint32_t)h | ((uint32_t)h << 8));                         \
                wa = tp_sp_ld32(v);                                                          \
                wb = tp_sp_ld32(v + 4);                                                      \
                v += 8;                                                                      \
                a0 = tp_sp_smlad(tp_sp_sxtb16(wa), xx, a0);                                  \
                a1 = tp_sp_smlad(tp_sp_sxtb16_ror8(wa), xx, a1);                             \
                a2 = tp_sp_smlad(tp_sp_sxtb16(wb), xx, a2);                                  \
                a3 = tp_sp_smlad(tp_sp_sxtb16_ror8(wb), xx, a3);                             \
            }                                                                                \
            if (ip < gend) {                                                                 \
                const int32_t x0 = x[2 * (int32_t)*ip++];                                    \
                a0 += v[0] * x0;                                                             \
                a1 += v[1] * x0;                                                             \
                a2 += v[4] * x0;                                                             \
                a3 += v[5] * x0;                                                             \
                v += 8;                                                                      \
            }                                                                                \
            if (r0 + 4 <= rows) {                                                            \
                y[r0] = tp_sp_requant(q, bias[r0] + a0, r0);                                 \
                y[r0 + 1] = tp_sp_requant(q, bias[r0 + 1] + a1, r0 + 1);                     \
                y[r0 + 2] = tp_sp_requant(q, bias[r0 + 2] + a2, r0 + 2);                     \
                y[r0 + 3] = tp_sp_requant(q, bias[r0 + 3] + a3, r0 + 3);                     \
            } else {                                                                         \
                const int32_t acc[3] = {a0, a1, a2};                                         \
                for (i = 0; r0 + i < rows; ++i) y[r0 + i] = tp_sp_requant(q, bias[r0 + i] + acc[i], r0 + i); \
            }                                                                                \
        }                                                                                    \
    } while (0)

void tp_sp_rows_s8_block4x2_dsp(const tp_sparse_matrix *w, const int8_t *x,
                                const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const int8_t *v = (const int8_t *)w->values;
    const int32_t rows = w->rows;
    const int32_t groups = (rows + 3) / 4;
    const int32_t full = w->cols / 2;
    int32_t g, i;
    if (w->index_bytes == 1) {
        TP_SP_BLOCK4X2_ROWS(uint8_t);
    } else {
        TP_SP_BLOCK4X2_ROWS(uint16_t);
    }
}
