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
                memcpy(&h, x + 2 * (int32_t)*ip, 2);                                         \
                tp_sp_smlad_4x2(v, tp_sp_sxtb16((uint32_t)h | ((uint32_t)h << 8)), &a0, &a1, &a2, &a3); \
                v += 8;                                                                      \
            }                                                                                \
            if (ip < gend) {                                                                 \
                const int32_t x0 = x[2 * (int32_t)*ip++];                                    \
                a0 += v[0] * x0;                                                             \
                a1 += v[1] * x0;                                                             \
                a2 += v[4] * x0;                                                             \
                a3 += v[5] * x0;                                                             \
                v += 8;                                                                      \
            }                                                                                \
            tp_sp_store4_s8(q, bias, r0, rows, a0, a1, a2, a3, y);                          \
        }                                                                                    \
    } while (0)

void tp_sp_rows_s8_block4x2_dsp(const tp_sparse_matrix *w, const int8_t *x,
                                const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const int8_t *v = (const int8_t *)w->values;
    const int32_t rows = w->rows;
    const int32_t groups = (rows + 3) / 4;
    const int32_t full = w->cols / 2;
    int32_t g;
    if (w->index_bytes == 1) {
        TP_SP_BLOCK4X2_ROWS(uint8_t);
    } else {
        TP_SP_BLOCK4X2_ROWS(uint16_t);
    }
}
