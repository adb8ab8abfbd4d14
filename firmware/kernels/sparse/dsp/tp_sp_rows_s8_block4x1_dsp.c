/*
 * Sparse row function, int8, 4 x 1 blocks — DSP extension (SMLAD). Declared in
 * tp_sp_rows_dsp.h; the kernels of this format call it once per input vector.
 */
#include "tp_sp_rows_dsp.h"

/* Row groups of 4: blocks come in pairs stored [a0 a1 b0 b1 | a2 a3 b2 b3]; the input pair
 * (x[a], x[b]) in one word meets rows 0/1 (SXTB16 / SXTB16 ROR 8 of the first word) and rows
 * 2/3 (of the second) in four SMLAD. An odd last block [a0 a1 a2 a3] is done in scalar. The
 * loop is written once per index width so that the inner loop has no width test. */
#define TP_SP_BLOCK4X1_ROWS(IDX_T)                                                           \
    do {                                                                                     \
        const IDX_T *ip = (const IDX_T *)w->index + tp_sp_ptr(w, 0);                         \
        for (g = 0; g < groups; ++g) {                                                       \
            const IDX_T *gend = (const IDX_T *)w->index + tp_sp_ptr(w, g + 1);               \
            const IDX_T *pend = ip + ((gend - ip) & ~1);                                     \
            const int32_t r0 = 4 * g;                                                        \
            int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;                                          \
            for (; ip < pend; ip += 2) {                                                     \
                tp_sp_smlad_4x2(v, tp_sp_pack16(x[ip[0]], x[ip[1]]), &a0, &a1, &a2, &a3);      \
                v += 8;                                                                      \
            }                                                                                \
            if (ip < gend) {                                                                 \
                const int32_t xa = x[*ip++];                                                 \
                a0 += v[0] * xa;                                                             \
                a1 += v[1] * xa;                                                             \
                a2 += v[2] * xa;                                                             \
                a3 += v[3] * xa;                                                             \
                v += 4;                                                                      \
            }                                                                                \
            tp_sp_store4_s8(q, bias, r0, rows, a0, a1, a2, a3, y);                          \
        }                                                                                    \
    } while (0)

void tp_sp_rows_s8_block4x1_dsp(const tp_sparse_matrix *w, const int8_t *x,
                                const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const int8_t *v = (const int8_t *)w->values;
    const int32_t rows = w->rows;
    const int32_t groups = (rows + 3) / 4;
    int32_t g;
    if (w->index_bytes == 1) {
        TP_SP_BLOCK4X1_ROWS(uint8_t);
    } else {
        TP_SP_BLOCK4X1_ROWS(uint16_t);
    }
}
