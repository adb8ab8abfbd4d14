/*
 * Internal to the sparse mve/ kernels (Cortex-M55 Helium): the dense int8 dot products their
 * row functions share — the offset-free VMLADAVA.S8 loops of mve/tp_mve.h (tail-predicated
 * low-overhead loops: nothing past either array is read), under the signatures the row
 * macros of tp_sp_common.h take.
 */
#ifndef TP_SP_MVE_H
#define TP_SP_MVE_H

#include <stdint.h>

#include "../../mve/tp_mve.h"

/* acc + sum a[k] * b[k] over n bytes. */
static inline int32_t tp_sp_dot_s8_mve(const int8_t *a, const int8_t *b, int32_t n, int32_t acc) {
    return tp_mve_dot1_nooff(a, b, n, acc);
}

/* acc[k] += dot(x, w0 + k * n) for k = 0..3: each 16-byte input vector is loaded once and
 * meets four rows. */
static inline void tp_sp_dot4_s8_mve(const int8_t *x, const int8_t *w0, int32_t n, int32_t *acc) {
    tp_mve_dot4_nooff(x, w0, w0 + n, w0 + 2 * n, w0 + 3 * n, n, acc);
}

/* acc + sum v[k] * x[col[k]] over n values, the gathered dot product of the CSR formats: eight
 * at a time, the columns loaded as 16-bit lanes (LOAD_COLS: from 16-bit indices, or widened
 * from 8-bit ones), the inputs gathered by them (VLDRB.S16 with vector offsets), the values
 * widened to 16 bits, and VMLADAVA.S16 adds the eight products. Tail-predicated like
 * tp_mve_dot1_nooff. Widening loads take only r0-r7 as base ("l" constraints). The body of
 * tp_sp_csr16_dot_mve and tp_sp_csr8_dot_mve, which differ only in that one load. */
#define TP_SP_GATHER_DOT_MVE(LOAD_COLS)                                                      \
    register int32_t s __asm__("r0") = acc;                                                  \
    register int32_t count __asm__("lr") = n;                                                \
    __asm__ volatile("wlstp.16 lr, lr, 2f\n"                                                 \
                     "1:\n\t" LOAD_COLS                                                      \
                     "vldrb.s16 q1, [%[v]], #8\n\t"                                           \
                     "vldrb.s16 q2, [%[x], q0]\n\t"                                           \
                     "vmladava.s16 %[s], q1, q2\n\t"                                          \
                     TP_MVE_LOOP_END                                                         \
                     : [s] "+r"(s), [v] "+l"(v), [col] "+l"(col), "+r"(count)                \
                     : [x] "l"(x)                                                            \
                     : "d0", "d1", "d2", "d3", "d4", "d5", "memory", "cc");                  \
    return s

static inline int32_t tp_sp_csr16_dot_mve(const int8_t *x, const int8_t *v, const uint16_t *col,
                                          int32_t n, int32_t acc) {
    TP_SP_GATHER_DOT_MVE("vldrh.u16 q0, [%[col]], #16\n\t");
}

/* Columns within a 256-column segment: x is the segment's first input. */
static inline int32_t tp_sp_csr8_dot_mve(const int8_t *x, const int8_t *v, const uint8_t *col,
                                         int32_t n, int32_t acc) {
    TP_SP_GATHER_DOT_MVE("vldrb.u16 q0, [%[col]], #8\n\t");
}

#endif /* TP_SP_MVE_H */
