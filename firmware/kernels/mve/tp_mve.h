/*
 * Internal to the Helium kernels (Cortex-M55/M85, Armv8.1-M MVE): the int8 dot products that
 * FULLY_CONNECTED and CONV_2D are built on there (dsp/tp_dsp.h takes tp_dot4_s8 and tp_dot1_s8
 * from here on such a core: the same names and contract as its SMLAD loops), and the
 * offset-free loops the sparse mve/ row functions use (sparse/mve/tp_sp_mve.h).
 *
 * VMLADAVA.S8 multiplies 16 int8 pairs and adds all 16 products to a scalar int32 accumulator,
 * so a row of weights against the input costs one load and one instruction per 16 bytes. The
 * input offset cannot be added to int8 lanes without widening (x + off reaches 383), so it is
 * applied through the identity  sum w*(x + off) = sum w*x + off * sum w,  exact in int32
 * wrap-around arithmetic: VADDVA.S8 sums each row's weights alongside (skipped when off == 0,
 * i.e. when the code generator folded the offset into the bias). Tails are predicated, so no
 * byte past the end of a row is read.
 */
#ifndef TP_MVE_H
#define TP_MVE_H

#include <stdint.h>

#if !defined(__ARM_FEATURE_MVE) || !(__ARM_FEATURE_MVE & 1)
#error "firmware/kernels/mve needs a core with the M-profile Vector Extension (Cortex-M55/M85); build the dsp or plain kernels for this target"
#endif

#include <arm_mve.h>

/* The loops are written in assembly: GCC 12 compiles the intrinsics version with every
 * accumulator bounced through the stack, a VPST before each load and no post-increment
 * addressing (about 45 instructions per 16 bytes and 4 rows instead of 9). Here each is a
 * tail-predicated low-overhead loop (WLSTP/LETP): 16 bytes per iteration, the last one
 * predicated to the bytes that remain, so nothing is read past a row's end. VMLADAVA and
 * VADDVA only accept even-numbered accumulator registers, hence the register variables; the
 * pointers are pinned too (never r7, the Thumb frame pointer), which keeps every optimisation
 * level able to allocate the asm operands. */

/* Head and end of those loops: LR counts the bytes left, each iteration is predicated to at
 * most 16 of them, and a count of 0 skips the loop. */
#define TP_MVE_LOOP8_BEGIN "wlstp.8 lr, lr, 2f\n" "1:\n\t"
#define TP_MVE_LOOP_END "letp lr, 1b\n" "2:\n\t"
/* One row's step: 16 input bytes (q0) times 16 weights (q1) into the accumulator a. */
#define TP_MVE_DOT1_STEP "vldrb.8 q0, [%[x]], #16\n\t" "vldrb.8 q1, [%[w]], #16\n\t" "vmladava.s8 %[a], q0, q1\n\t"

/* 4 rows, no input offset: acc_r += sum_k w_r[k] * x[k]. */
static inline void tp_mve_dot4_nooff(const int8_t *x_, const int8_t *w0_, const int8_t *w1_,
                                     const int8_t *w2_, const int8_t *w3_, int32_t n,
                                     int32_t *acc) {
    register const int8_t *x __asm__("r1") = x_;
    register const int8_t *w0 __asm__("r3") = w0_;
    register const int8_t *w1 __asm__("r5") = w1_;
    register const int8_t *w2 __asm__("r8") = w2_;
    register const int8_t *w3 __asm__("r10") = w3_;
    register int32_t a0 __asm__("r0") = acc[0];
    register int32_t a1 __asm__("r2") = acc[1];
    register int32_t a2 __asm__("r4") = acc[2];
    register int32_t a3 __asm__("r6") = acc[3];
    register int32_t count __asm__("lr") = n;
    __asm__ volatile(
        TP_MVE_LOOP8_BEGIN
        "vldrb.8 q0, [%[x]], #16\n\t"
        "vldrb.8 q1, [%[w0]], #16\n\t"
        "vmladava.s8 %[a0], q0, q1\n\t"
        "vldrb.8 q1, [%[w1]], #16\n\t"
        "vmladava.s8 %[a1], q0, q1\n\t"
        "vldrb.8 q1, [%[w2]], #16\n\t"
        "vmladava.s8 %[a2], q0, q1\n\t"
        "vldrb.8 q1, [%[w3]], #16\n\t"
        "vmladava.s8 %[a3], q0, q1\n\t"
        TP_MVE_LOOP_END
        : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [x] "+r"(x),
          [w0] "+r"(w0), [w1] "+r"(w1), [w2] "+r"(w2), [w3] "+r"(w3), "+r"(count)
        :
        : "d0", "d1", "d2", "d3", "memory", "cc");
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
}

/* 1 row, no input offset: acc + sum_k w[k] * x[k] (the sparse row functions' dense runs). */
static inline int32_t tp_mve_dot1_nooff(const int8_t *x, const int8_t *w, int32_t n, int32_t acc) {
    register int32_t a __asm__("r0") = acc;
    register int32_t count __asm__("lr") = n;
    __asm__ volatile(
        TP_MVE_LOOP8_BEGIN TP_MVE_DOT1_STEP
        TP_MVE_LOOP_END
        : [a] "+r"(a), [x] "+r"(x), [w] "+r"(w), "+r"(count)
        :
        : "d0", "d1", "d2", "d3", "memory", "cc");
    return a;
}

/* 2 rows with the input offset: returns sum_k w_r[k] * x[k] in acc and sum_k w_r[k] in sum. */
static inline void tp_mve_dot2_sums(const int8_t *x_, const int8_t *w0_, const int8_t *w1_,
                                    int32_t n, int32_t *acc, int32_t *sum) {
    register const int8_t *x __asm__("r1") = x_;
    register const int8_t *w0 __asm__("r3") = w0_;
    register const int8_t *w1 __asm__("r5") = w1_;
    register int32_t a0 __asm__("r0") = 0;
    register int32_t a1 __asm__("r2") = 0;
    register int32_t s0 __asm__("r4") = 0;
    register int32_t s1 __asm__("r6") = 0;
    register int32_t count __asm__("lr") = n;
    __asm__ volatile(
        TP_MVE_LOOP8_BEGIN
        "vldrb.8 q0, [%[x]], #16\n\t"
        "vldrb.8 q1, [%[w0]], #16\n\t"
        "vmladava.s8 %[a0], q0, q1\n\t"
        "vaddva.s8 %[s0], q1\n\t"
        "vldrb.8 q1, [%[w1]], #16\n\t"
        "vmladava.s8 %[a1], q0, q1\n\t"
        "vaddva.s8 %[s1], q1\n\t"
        TP_MVE_LOOP_END
        : [a0] "+r"(a0), [a1] "+r"(a1), [s0] "+r"(s0), [s1] "+r"(s1), [x] "+r"(x),
          [w0] "+r"(w0), [w1] "+r"(w1), "+r"(count)
        :
        : "d0", "d1", "d2", "d3", "memory", "cc");
    acc[0] = a0;
    acc[1] = a1;
    sum[0] = s0;
    sum[1] = s1;
}

/* acc[r] += sum_k w_r[k] * (x[k] + off) for the rows w_r = w0 + r * stride, r = 0..3. The
 * offset goes in through sum w*(x + off) = sum w*x + off * sum w, exact modulo 2^32. */
static inline void tp_dot4_s8(const int8_t *x, const int8_t *w0, int32_t stride, int32_t n,
                              int32_t off, int32_t *acc) {
    if (off == 0) {
        tp_mve_dot4_nooff(x, w0, w0 + stride, w0 + 2 * stride, w0 + 3 * stride, n, acc);
    } else {
        int32_t d[2], s[2], r;
        for (r = 0; r < 4; r += 2) {
            tp_mve_dot2_sums(x, w0 + r * stride, w0 + (r + 1) * stride, n, d, s);
            acc[r] = (int32_t)((uint32_t)acc[r] + (uint32_t)d[0] + (uint32_t)off * (uint32_t)s[0]);
            acc[r + 1] = (int32_t)((uint32_t)acc[r + 1] + (uint32_t)d[1] + (uint32_t)off * (uint32_t)s[1]);
        }
    }
}

/* One row: acc + sum_k w[k] * (x[k] + off). */
static inline int32_t tp_dot1_s8(const int8_t *x_, const int8_t *w_, int32_t n, int32_t off,
                                 int32_t acc) {
    register const int8_t *x __asm__("r1") = x_;
    register const int8_t *w __asm__("r3") = w_;
    register int32_t a __asm__("r0") = 0;
    register int32_t s __asm__("r2") = 0;
    register int32_t count __asm__("lr") = n;
    __asm__ volatile(
        TP_MVE_LOOP8_BEGIN TP_MVE_DOT1_STEP
        "vaddva.s8 %[s], q1\n\t"
        TP_MVE_LOOP_END
        : [a] "+r"(a), [s] "+r"(s), [x] "+r"(x), [w] "+r"(w), "+r"(count)
        :
        : "d0", "d1", "d2", "d3", "memory", "cc");
    return (int32_t)((uint32_t)acc + (uint32_t)a + (uint32_t)off * (uint32_t)s);
}

#endif /* TP_MVE_H */
