/*
 * FULLY_CONNECTED, int8, weights packed in row pairs — DSP-extension cores (Cortex-M4/M7/M33).
 * Same bytes as tp_fully_connected_s8 on the unpacked weights; the layout is in tp_kernels.h.
 *
 * Why: with int8 weights each weight word needs two SXTB16 before its two SMLAD, so the best
 * 4-row loop costs 5 instructions per 4 MACs and row (tp_dot4_s8, ~1.6 per MAC with the input
 * split and the loop). Here a word carries two rows: its halfwords are lo + 256 * hi (lo as an
 * unsigned byte), so one SMLAD of the raw word with the input pair gives
 *     A1 += x_a * (lo_a + 256 * hi_a) + x_b * (lo_b + 256 * hi_b)
 * and one SXTB16 (bytes 1, 3) and SMLAD give A2 += x_a * hi_a + x_b * hi_b. Over a row:
 *     row hi = A2,   row lo = A1 - 256 * A2 - 128 * S,   S = sum_k (x_k + input_offset),
 * since lo = w + 128. Three instructions per 4 MACs instead of 5 (plus a load per pair of
 * words): 1.25 instructions per MAC on mnist-mlp's 784->300 layer with the requantisation (the
 * row-major kernel: 1.65); every sum is exact in wrap-around int32 (SMLAD does not
 * saturate), and the result is the true int32 dot product whenever the reference's is.
 */
#include "../tp_kernel_checks.h"
#include "tp_dsp.h"
#include "tp_fc_requant.h"
#include "tp_kernels.h"

#if TP_DOT4_ASM
/* One 4-input step: the input word split into even/odd int16 lanes (SXTB16, or SXTAB16 adding
 * the offset pair loaded into t), then per pair its two words (LDRD), each used raw (A1) and
 * as its odd bytes (A2). */
#define TP_PAIRS_SPLIT0                   \
    "ldr    %[xo], [%[x]], #4\n\t"        \
    "sxtb16 %[xe], %[xo]\n\t"             \
    "sxtb16 %[xo], %[xo], ror #8\n\t"
#define TP_PAIRS_SPLITOFF                         \
    "ldr    %[xo], [%[x]], #4\n\t"                \
    "ldr    %[t], %[off]\n\t"                     \
    "sxtab16 %[xe], %[t], %[xo]\n\t"              \
    "sxtab16 %[xo], %[t], %[xo], ror #8\n\t"
#define TP_PAIRS_PAIR(A1, A2)                           \
    "ldrd   %[e], %[o], [%[w]], #8\n\t"                 \
    "smlad  %[" A1 "], %[e], %[xe], %[" A1 "]\n\t"      \
    "sxtb16 %[e], %[e], ror #8\n\t"                     \
    "smlad  %[" A2 "], %[e], %[xe], %[" A2 "]\n\t"      \
    "smlad  %[" A1 "], %[o], %[xo], %[" A1 "]\n\t"      \
    "sxtb16 %[o], %[o], ror #8\n\t"                     \
    "smlad  %[" A2 "], %[o], %[xo], %[" A2 "]\n\t"
#define TP_PAIRS_END                \
    "ldr    %[t], %[xend]\n\t"      \
    "cmp    %[x], %[t]\n\t"         \
    "bne    1b\n\t"

/* a[0..3] += the block's sums (A1, A2 of pair 1, then of pair 2); n8 bytes, a positive
 * multiple of 8. 11 registers. */
static inline const int8_t *pairs_asm(const int8_t *x, int32_t n8, const int8_t *w, uint32_t off2, int32_t *a) {
    int32_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
    const int8_t *x_end = x + n8;
    uint32_t xe, xo, e, o, t;
    if (off2 == 0) {
        __asm__ volatile("1:\n\t" TP_PAIRS_SPLIT0 TP_PAIRS_PAIR("a0", "a1") TP_PAIRS_PAIR("a2", "a3")
                         TP_PAIRS_SPLIT0 TP_PAIRS_PAIR("a0", "a1") TP_PAIRS_PAIR("a2", "a3") TP_PAIRS_END
                         : [x] "+&r"(x), [w] "+&r"(w), [a0] "+&r"(a0), [a1] "+&r"(a1), [a2] "+&r"(a2),
                           [a3] "+&r"(a3), [xe] "=&r"(xe), [xo] "=&r"(xo), [e] "=&r"(e), [o] "=&r"(o),
                           [t] "=&r"(t)
                         : [xend] "m"(x_end)
                         : "cc", "memory");
    } else {
        __asm__ volatile("1:\n\t" TP_PAIRS_SPLITOFF TP_PAIRS_PAIR("a0", "a1") TP_PAIRS_PAIR("a2", "a3")
                         TP_PAIRS_SPLITOFF TP_PAIRS_PAIR("a0", "a1") TP_PAIRS_PAIR("a2", "a3") TP_PAIRS_END
                         : [x] "+&r"(x), [w] "+&r"(w), [a0] "+&r"(a0), [a1] "+&r"(a1), [a2] "+&r"(a2),
                           [a3] "+&r"(a3), [xe] "=&r"(xe), [xo] "=&r"(xo), [e] "=&r"(e), [o] "=&r"(o),
                           [t] "=&r"(t)
                         : [xend] "m"(x_end), [off] "m"(off2)
                         : "cc", "memory");
    }
    a[0] = a0;
    a[1] = a1;
    a[2] = a2;
    a[3] = a3;
    return w;
}
#endif

/* The same step in C (host emulation builds, -O0, and the 4 bytes an odd number of words
 * leaves after the assembly's 8-byte iterations). */
static inline const int8_t *pairs_c(const int8_t *x, int32_t n4, const int8_t *w, uint32_t off2, int32_t *a) {
    int32_t k, p;
    for (k = 0; k < n4; k += 4) {
        const uint32_t xw = tp_read_u32(x + k);
        const uint32_t xe = tp_sxtab16(off2, xw), xo = tp_sxtab16_ror8(off2, xw);
        for (p = 0; p < 2; ++p, w += 8) {
            const uint32_t e = tp_read_u32(w), o = tp_read_u32(w + 4);
            a[2 * p] = tp_smlad(e, xe, a[2 * p]);
            a[2 * p + 1] = tp_smlad(tp_sxtb16_ror8(e), xe, a[2 * p + 1]);
            a[2 * p] = tp_smlad(o, xo, a[2 * p]);
            a[2 * p + 1] = tp_smlad(tp_sxtb16_ror8(o), xo, a[2 * p + 1]);
        }
    }
    return w;
}

/* sum_k (x[k] + off) over n4 bytes (n4 % 4 == 0), wrapping like the kernel's sums. */
static inline int32_t input_sum(const int8_t *x, int32_t n4, int32_t off) {
    const uint32_t ones = 0x00010001u;
    int32_t s = 0, k;
    for (k = 0; k < n4; k += 4) {
        const uint32_t xw = tp_read_u32(x + k);
        s = tp_smlad(tp_sxtb16(xw), ones, s);
        s = tp_smlad(tp_sxtb16_ror8(xw), ones, s);
    }
    return (int32_t)((uint32_t)s + (uint32_t)off * (uint32_t)n4);
}

tp_status tp_fully_connected_s8_pairs(const tp_fc_s8_params *params, const int8_t *input,
                                      const int8_t *packed, const int32_t *bias, int8_t *output,
                                      void *scratch) {
    const tp_status st = tp_fc_s8_check(params, input, packed, output);
    (void)scratch;
    if (st != TP_OK) return st;
    TP_CHECK(params->input_depth % 4 == 0 && params->output_depth >= 4, TP_ERR_SHAPE);
    TP_CHECK((params->per_channel || params->filter_offset == 0) && ((uintptr_t)packed & 3u) == 0, TP_ERR_PARAM);
    {
        const int32_t depth = params->input_depth, outs = params->output_depth, blocks = outs / 4;
        const int32_t off = params->input_offset;
        const uint32_t off2 = tp_dup16(off);
        const fc_requant rq = TP_FC_REQUANT_INIT(params);
        const int8_t *plain = packed + (size_t)blocks * 4u * (size_t)depth;
        int32_t b, o;
        for (b = 0; b < params->batches; ++b) {
            const int8_t *x = input + (size_t)b * (size_t)depth;
            int8_t *y = output + (size_t)b * (size_t)outs;
            const int8_t *w = packed;
            /* sum_k (x_k + off) * 128, subtracted from each lo row */
            const uint32_t s128 = (uint32_t)input_sum(x, depth, off) << 7;
            int32_t blk;
            for (blk = 0; blk < blocks; ++blk) {
                int32_t a[4] = {0, 0, 0, 0}, acc[4];
                int32_t r;
#if TP_DOT4_ASM
                const int32_t n8 = depth & ~7;
                if (n8 > 0) w = pairs_asm(x, n8, w, off2, a);
                w = pairs_c(x + n8, depth - n8, w, off2, a);
#else
                w = pairs_c(x, depth, w, off2, a);
#endif
                for (r = 0; r < 2; ++r) {
                    const uint32_t a1 = (uint32_t)a[2 * r], a2 = (uint32_t)a[2 * r + 1];
                    acc[2 * r] = (int32_t)a2;
                    acc[2 * r + 1] = (int32_t)(a1 - (a2 << 8) - s128);
                }
                o = blk * 4;
                if (bias) {
                    for (r = 0; r < 4; ++r) acc[r] = (int32_t)((uint32_t)acc[r] + (uint32_t)bias[o + r]);
                }
                {
                    const int8_t v0 = requant_q(&rq, acc[0], o), v1 = requant_q(&rq, acc[1], o + 1);
                    const int8_t v2 = requant_q(&rq, acc[2], o + 2), v3 = requant_q(&rq, acc[3], o + 3);
                    y[o] = v0;
                    y[o + 1] = v1;
                    y[o + 2] = v2;
                    y[o + 3] = v3;
                }
            }
            for (o = blocks * 4; o < outs; ++o) {
                const int32_t acc = tp_dot1_s8(x, plain + (size_t)(o - blocks * 4) * (size_t)depth, depth, off,
                                               bias ? bias[o] : 0);
                y[o] = requant_q(&rq, acc, o);
            }
        }
    }
    return TP_OK;
}
