/*
 * Internal: row functions of the sparse mve/ kernels (Cortex-M55 Helium). VMLADAVA.S8
 * multiplies 16 int8 pairs and adds the 16 products to a scalar accumulator: a 1x16 block,
 * or 16 bytes of a dense row, costs one vector load of weights, one of input and one
 * instruction. Products and int32 sums are exact, so results equal the plain kernels' bit for
 * bit. The plain file's formats without an mve/ variant run their dsp/ or plain versions.
 */
#ifndef TP_SP_ROWS_MVE_H
#define TP_SP_ROWS_MVE_H

#if !defined(__ARM_FEATURE_MVE) || !(__ARM_FEATURE_MVE & 1)
#error "firmware/kernels/sparse/mve needs a core with the M-profile Vector Extension (Cortex-M55/M85); build the dsp or plain sparse kernels for this target"
#endif

#include <arm_mve.h>

#include "../tp_sp_common.h"

/* acc + sum a[k] * b[k] over n bytes. A tail-predicated low-overhead loop (WLSTP/LETP): 16
 * bytes per iteration, the last one predicated to what remains, so nothing past either array
 * is read. In assembly because GCC 12 predicates each intrinsic with its own VPST and keeps
 * the accumulator on the stack; VMLADAVA needs an even-numbered accumulator register. */
static inline int32_t tp_sp_dot_s8_mve(const int8_t *a, const int8_t *b, int32_t n, int32_t acc) {
    register int32_t s __asm__("r0") = acc;
    register int32_t count __asm__("lr") = n;
    __asm__ volatile(
        "wlstp.8 lr, lr, 2f\n"
        "1:\n\t"
        "vldrb.8 q0, [%[a]], #16\n\t"
        "vldrb.8 q1, [%[b]], #16\n\t"
        "vmladava.s8 %[s], q0, q1\n\t"
        "letp lr, 1b\n"
        "2:\n\t"
        : [s] "+r"(s), [a] "+r"(a), [b] "+r"(b), "+r"(count)
        :
        : "d0", "d1", "d2", "d3", "memory", "cc");
    return s;
}

/* acc[k] += dot(x, w0 + k * n) for k = 0..3: each 16-byte input vector is loaded once and
 * meets four rows. */
static inline void tp_sp_dot4_s8_mve(const int8_t *x, const int8_t *w0, int32_t n, int32_t *acc) {
    register int32_t a0 __asm__("r0") = acc[0];
    register int32_t a1 __asm__("r2") = acc[1];
    register int32_t a2 __asm__("r4") = acc[2];
    register int32_t a3 __asm__("r6") = acc[3];
    register int32_t count __asm__("lr") = n;
    const int8_t *w1 = w0 + n, *w2 = w1 + n, *w3 = w2 + n;
    __asm__ volatile(
        "wlstp.8 lr, lr, 2f\n"
        "1:\n\t"
        "vldrb.8 q0, [%[x]], #16\n\t"
        "vldrb.8 q1, [%[w0]], #16\n\t"
        "vmladava.s8 %[a0], q0, q1\n\t"
        "vldrb.8 q1, [%[w1]], #16\n\t"
        "vmladava.s8 %[a1], q0, q1\n\t"
        "vldrb.8 q1, [%[w2]], #16\n\t"
        "vmladava.s8 %[a2], q0, q1\n\t"
        "vldrb.8 q1, [%[w3]], #16\n\t"
        "vmladava.s8 %[a3], q0, q1\n\t"
        "letp lr, 1b\n"
        "2:\n\t"
        : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [x] "+r"(x), [w0] "+r"(w0),
          [w1] "+r"(w1), [w2] "+r"(w2), [w3] "+r"(w3), "+r"(count)
        :
        : "d0", "d1", "d2", "d3", "memory", "cc");
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
}

/* ================================================================ CSR, gathered */

/* acc + sum v[k] * x[col[k]] over n values with 16-bit (IDX 16) or 8-bit (IDX 8) columns:
 * eight at a time, the columns loaded as 16-bit lanes, the inputs gathered by them (VLDRB.S16
 * with vector offsets), the values widened to 16 bits, and VMLADAVA.S16 adds the eight
 * products. Tail-predicated like tp_sp_dot_s8_mve. Widening loads take only r0-r7 as base
 * ("l" constraints). */
static inline int32_t tp_sp_csr16_dot_mve(const int8_t *x, const int8_t *v, const uint16_t *col,
                                          int32_t n, int32_t acc) {
    register int32_t s __asm__("r0") = acc;
    register int32_t count __asm__("lr") = n;
    __asm__ volatile(
        "wlstp.16 lr, lr, 2f\n"
        "1:\n\t"
        "vldrh.u16 q0, [%[col]], #16\n\t"
        "vldrb.s16 q1, [%[v]], #8\n\t"
        "vldrb.s16 q2, [%[x], q0]\n\t"
        "vmladava.s16 %[s], q1, q2\n\t"
        "letp lr, 1b\n"
        "2:\n\t"
        : [s] "+r"(s), [v] "+l"(v), [col] "+l"(col), "+r"(count)
        : [x] "l"(x)
        : "d0", "d1", "d2", "d3", "d4", "d5", "memory", "cc");
    return s;
}

static inline int32_t tp_sp_csr8_dot_mve(const int8_t *x, const int8_t *v, const uint8_t *col,
                                         int32_t n, int32_t acc) {
    register int32_t s __asm__("r0") = acc;
    register int32_t count __asm__("lr") = n;
    __asm__ volatile(
        "wlstp.16 lr, lr, 2f\n"
        "1:\n\t"
        "vldrb.u16 q0, [%[col]], #8\n\t"
        "vldrb.s16 q1, [%[v]], #8\n\t"
        "vldrb.s16 q2, [%[x], q0]\n\t"
        "vmladava.s16 %[s], q1, q2\n\t"
        "letp lr, 1b\n"
        "2:\n\t"
        : [s] "+r"(s), [v] "+l"(v), [col] "+l"(col), "+r"(count)
        : [x] "l"(x)
        : "d0", "d1", "d2", "d3", "d4", "d5", "memory", "cc");
    return s;
}

TP_SP_ROWS void tp_sp_rows_s8_csr16_mve(const tp_sparse_matrix *w, const int8_t *x,
                                        const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const int8_t *v = (const int8_t *)w->values;
    const uint16_t *col = (const uint16_t *)w->index;
    int32_t r, start = tp_sp_ptr(w, 0);
    for (r = 0; r < w->rows; ++r) {
        const int32_t end = tp_sp_ptr(w, r + 1);
        y[r] = tp_sp_requant(q, tp_sp_csr16_dot_mve(x, v + start, col + start, end - start, bias[r]), r);
        start = end;
    }
}

TP_SP_ROWS void tp_sp_rows_s8_csr8_mve(const tp_sparse_matrix *w, const int8_t *x,
                                       const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const int8_t *v = (const int8_t *)w->values;
    const uint8_t *col = (const uint8_t *)w->index;
    const int32_t segs = w->aux;
    int32_t r, s, p = 0, start = tp_sp_ptr(w, 0);
    for (r = 0; r < w->rows; ++r) {
        int32_t acc = bias[r];
        for (s = 0; s < segs; ++s) {
            const int32_t end = tp_sp_ptr(w, ++p);
            acc = tp_sp_csr8_dot_mve(x + 256 * s, v + start, col + start, end - start, acc);
            start = end;
        }
        y[r] = tp_sp_requant(q, acc, r);
    }
}

/* ================================================================ blocks 1 x 16 */

/* One VMLADAVA per whole block; a row's last block, when short, in scalar. */
#define TP_SP_BLOCK1X16_ROW(IDX_T)                                                           \
    do {                                                                                     \
        const IDX_T *ip = (const IDX_T *)w->index + start;                                   \
        const IDX_T *pend = (const IDX_T *)w->index + end;                                   \
        if (pend > ip && (int32_t)pend[-1] >= full) --pend;                                  \
        for (; ip < pend; ++ip) {                                                            \
            acc = vmladavaq_s8(acc, vldrbq_s8(x + 16 * (int32_t)*ip), vldrbq_s8(v));         \
            v += 16;                                                                         \
        }                                                                                    \
        if (ip < (const IDX_T *)w->index + end) {                                            \
            const int8_t *xb = x + 16 * (int32_t)*ip;                                        \
            for (j = 0; j < w->cols - 16 * (int32_t)*ip; ++j) acc += (int32_t)v[j] * xb[j];  \
            v += 16;                                                                         \
        }                                                                                    \
    } while (0)

TP_SP_ROWS void tp_sp_rows_s8_block1x16_mve(const tp_sparse_matrix *w, const int8_t *x,
                                            const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const int8_t *v = (const int8_t *)w->values;
    const int32_t full = w->cols / 16;
    int32_t r, j, start = tp_sp_ptr(w, 0);
    for (r = 0; r < w->rows; ++r) {
        const int32_t end = tp_sp_ptr(w, r + 1);
        int32_t acc = bias[r];
        if (w->index_bytes == 1) {
            TP_SP_BLOCK1X16_ROW(uint8_t);
        } else {
            TP_SP_BLOCK1X16_ROW(uint16_t);
        }
        start = end;
        y[r] = tp_sp_requant(q, acc, r);
    }
}

/* ================================================================ channel (smaller dense) */

TP_SP_ROWS void tp_sp_rows_s8_channel_mve(const tp_sparse_matrix *w, const int8_t *x,
                                          const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const uint16_t *rows = (const uint16_t *)w->ptr;
    const int32_t kept = w->aux;
    const int32_t n = w->taps * w->aux2;
    const int8_t *v = (const int8_t *)w->values;
    int32_t r, i, k;
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
        tp_sp_dot4_s8_mve(x, v, n, acc);
        for (k = 0; k < 4; ++k) y[rows[i + k]] = tp_sp_requant(q, acc[k], rows[i + k]);
    }
    for (; i < kept; ++i, v += n) {
        r = rows[i];
        y[r] = tp_sp_requant(q, tp_sp_dot_s8_mve(v, x, n, bias[r]), r);
    }
}

/* ================================================================ filterlet */

TP_SP_ROWS void tp_sp_rows_s8_filterlet_mve(const tp_sparse_matrix *w, const int8_t *x,
                                            const int32_t *bias, const tp_sp_rq *q, int8_t *y) {
    const int32_t cin = w->aux;
    const uint8_t *tap = (const uint8_t *)w->index + tp_sp_ptr(w, 0);
    const int8_t *v = (const int8_t *)w->values + (size_t)tp_sp_ptr(w, 0) * (size_t)cin;
    int32_t r, f, start = tp_sp_ptr(w, 0);
    for (r = 0; r < w->rows; ++r) {
        const int32_t end = tp_sp_ptr(w, r + 1);
        int32_t acc = bias[r];
        for (f = start; f < end; ++f, v += cin) {
            acc = tp_sp_dot_s8_mve(v, x + (size_t)*tap++ * (size_t)cin, cin, acc);
        }
        start = end;
        y[r] = tp_sp_requant(q, acc, r);
    }
}

#endif /* TP_SP_ROWS_MVE_H */
