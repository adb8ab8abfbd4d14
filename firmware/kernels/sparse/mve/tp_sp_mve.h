/*
 * Internal to the sparse mve/ kernels (Cortex-M55 Helium): the dense int8 dot products their
 * row functions share, in assembly (tail-predicated low-overhead loops of VMLADAVA.S8).
 */
#ifndef TP_SP_MVE_H
#define TP_SP_MVE_H

#if !defined(__ARM_FEATURE_MVE) || !(__ARM_FEATURE_MVE & 1)
#error "firmware/kernels/sparse/mve needs a core with the M-profile Vector Extension (Cortex-M55/M85); build the dsp or plain sparse kernels for this target"
#endif

#include <arm_mve.h>
#include <stdint.h>

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

#endif /* TP_SP_MVE_H */
