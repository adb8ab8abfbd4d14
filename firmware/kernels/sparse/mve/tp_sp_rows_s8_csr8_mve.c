/*
 * Sparse row function, int8, CSR with 8-bit columns within 256-column segments, gathered —
 * Helium (MVE), Cortex-M55. Declared in tp_sp_rows_mve.h; the kernels of this format call it
 * once per input vector.
 */
#include "tp_sp_rows_mve.h"

/* acc + sum v[k] * x[col[k]] over n values with 8-bit columns (within a 256-column segment):
 * eight at a time, the columns loaded as 16-bit lanes, the inputs gathered by them (VLDRB.S16
 * with vector offsets), the values widened to 16 bits, and VMLADAVA.S16 adds the eight
 * products. Tail-predicated like tp_sp_dot_s8_mve. Widening loads take only r0-r7 as base
 * ("l" constraints). */
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

void tp_sp_rows_s8_csr8_mve(const tp_sparse_matrix *w, const int8_t *x,
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
