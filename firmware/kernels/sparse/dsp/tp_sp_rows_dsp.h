/*
 * Internal: row functions of the sparse dsp/ kernels (SMLAD: two int16 products per
 * instruction). Same results as the plain ones in ../tp_sp_rows.h bit for bit: int8 inputs
 * and weights sit one per int16 lane, so every product is one of the reference's and only the
 * order of the exact int32 sums changes.
 */
#ifndef TP_SP_ROWS_DSP_H
#define TP_SP_ROWS_DSP_H

#include "../tp_sp_common.h"
#include "tp_sp_dsp.h"

/* ================================================================ blocks 4 x 1 */

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
                const uint32_t xx = tp_sp_pack16(x[ip[0]], x[ip[1]]);                         \
                const uint32_t wa = tp_sp_ld32(v), wb = tp_sp_ld32(v + 4);                    \
                v += 8;                                                                      \
                a0 = tp_sp_smlad(tp_sp_sxtb16(wa), xx, a0);                                  \
                a1 = tp_sp_smlad(tp_sp_sxtb16_ror8(wa), xx, a1);                             \
                a2 = tp_sp_smlad(tp_sp_sxtb16(wb), xx, a2);                                  \
                a3 = tp_sp_smlad(tp_sp_sxtb16_ror8(wb), xx, a3);                             \
            }                                                                                \
            if (ip < gend) {                                                                 \
                const int32_t xa = x[*ip++];                                                 \
                a0 += v[0] * xa;                                                             \
                a1 += v[1] * xa;                                                             \
                a2 += v[2] * xa;                                                             \
                a3 += v[3] * xa;                                                             \
                v += 4;                                                                      \
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

TP_SP_ROWS void tp_sp_rows_s8_block4x1_dsp(const tp_sparse_matrix *w, const int8_t *x,
                                           const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const int8_t *v = (const int8_t *)w->values;
    const int32_t rows = w->rows;
    const int32_t groups = (rows + 3) / 4;
    int32_t g, i;
    if (w->index_bytes == 1) {
        TP_SP_BLOCK4X1_ROWS(uint8_t);
    } else {
        TP_SP_BLOCK4X1_ROWS(uint16_t);
    }
}

/* ================================================================ blocks 4 x 2 */

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

TP_SP_ROWS void tp_sp_rows_s8_block4x2_dsp(const tp_sparse_matrix *w, const int8_t *x,
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

/* ================================================================ blocks 1 x 4 */

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

TP_SP_ROWS void tp_sp_rows_s8_block1x4_dsp(const tp_sparse_matrix *w, const int8_t *x,
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

/* ================================================================ channel (smaller dense) */

/* acc[k] += dot(w_k, x) for the rows w_k = w0 + k * n, k = 0..3: each input word is split once
 * into its even and odd bytes and shared by the four rows. */
static inline void tp_sp_dot4_s8_dsp(const int8_t *x, const int8_t *w0, int32_t n, int32_t *acc) {
    const int8_t *w1 = w0 + n, *w2 = w1 + n, *w3 = w2 + n;
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    const int8_t *end4 = x + (n & ~3), *end = x + n;
    while (x < end4) {
        const uint32_t xw = tp_sp_ld32(x);
        const uint32_t xe = tp_sp_sxtb16(xw), xo = tp_sp_sxtb16_ror8(xw);
        uint32_t ww;
        ww = tp_sp_ld32(w0);
        a0 = tp_sp_smlad(tp_sp_sxtb16(ww), xe, a0);
        a0 = tp_sp_smlad(tp_sp_sxtb16_ror8(ww), xo, a0);
        ww = tp_sp_ld32(w1);
        a1 = tp_sp_smlad(tp_sp_sxtb16(ww), xe, a1);
        a1 = tp_sp_smlad(tp_sp_sxtb16_ror8(ww), xo, a1);
        ww = tp_sp_ld32(w2);
        a2 = tp_sp_smlad(tp_sp_sxtb16(ww), xe, a2);
        a2 = tp_sp_smlad(tp_sp_sxtb16_ror8(ww), xo, a2);
        ww = tp_sp_ld32(w3);
        a3 = tp_sp_smlad(tp_sp_sxtb16(ww), xe, a3);
        a3 = tp_sp_smlad(tp_sp_sxtb16_ror8(ww), xo, a3);
        x += 4;
        w0 += 4;
        w1 += 4;
        w2 += 4;
        w3 += 4;
    }
    for (; x < end; ++x) {
        const int32_t xv = *x;
        a0 += (int32_t)*w0++ * xv;
        a1 += (int32_t)*w1++ * xv;
        a2 += (int32_t)*w2++ * xv;
        a3 += (int32_t)*w3++ * xv;
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
}

TP_SP_ROWS void tp_sp_rows_s8_channel_dsp(const tp_sparse_matrix *w, const int8_t *x,
                                          const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const uint16_t *rows = (const uint16_t *)w->ptr;
    const int32_t kept = w->aux;
    const int32_t n = w->taps * w->aux2;
    const int8_t *v = (const int8_t *)w->values;
    int32_t r, i, k;
    /* Rows removed from the layer output their bias alone. */
    for (r = 0, i = 0; r < w->rows; ++r) {
        if (i < kept && rows[i] == r) {
            ++i;
        } else {
            y[r] = tp_sp_requant(q, bias[r], r);
        }
    }
    for (i = 0; i + 4 <= kept; i += 4, v += 4 * n) {
        int32_t acc[4];
        for (k = 0; k < 4; ++k) acc[k] = bias[rows[i + k]];
        tp_sp_dot4_s8_dsp(x, v, n, acc);
        for (k = 0; k < 4; ++k) y[rows[i + k]] = tp_sp_requant(q, acc[k], rows[i + k]);
    }
    for (; i < kept; ++i, v += n) {
        r = rows[i];
        y[r] = tp_sp_requant(q, tp_sp_dot_s8_dsp(v, x, n, bias[r]), r);
    }
}

/* ================================================================ filterlet */

TP_SP_ROWS void tp_sp_rows_s8_filterlet_dsp(const tp_sparse_matrix *w, const int8_t *x,
                                            const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const int32_t cin = w->aux;
    const uint8_t *tap = (const uint8_t *)w->index + tp_sp_ptr(w, 0);
    const int8_t *v = (const int8_t *)w->values + (size_t)tp_sp_ptr(w, 0) * (size_t)cin;
    int32_t r, f, start = tp_sp_ptr(w, 0);
    for (r = 0; r < w->rows; ++r) {
        const int32_t end = tp_sp_ptr(w, r + 1);
        int32_t acc = bias[r];
        for (f = start; f < end; ++f, v += cin) {
            acc = tp_sp_dot_s8_dsp(v, x + (size_t)*tap++ * (size_t)cin, cin, acc);
        }
        start = end;
        y[r] = tp_sp_requant(q, acc, r);
    }
}

#endif /* TP_SP_ROWS_DSP_H */
