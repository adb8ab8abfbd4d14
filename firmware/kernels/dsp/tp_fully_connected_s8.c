/*
 * FULLY_CONNECTED, int8 — DSP-extension variant (Cortex-M4/M7/M33). Same results as the plain
 * kernel (firmware/kernels/tp_fully_connected_s8.c) bit for bit: only the order in which the
 * exact int32 products are summed differs.
 *
 * Four output rows at a time share each 4-byte load of the input (tp_dot4_s8: SXTB16 +
 * SADD16 of the input offset once, then two SMLAD per row), which brings FC 784->300 to about
 * 1.7 instructions per MAC on a Cortex-M4 (plain C: ~6). Leftover rows use the one-row loop,
 * leftover bytes a scalar loop. Per-tensor weights with a non-zero zero point (never produced
 * by TFLite's int8 quantiser) take a plain scalar path.
 *
 * On a core with Helium (Cortex-M55, the mve build) this file is the FULLY_CONNECTED too, with
 * tp_mve.h's dot products (VMLADAVA per row and 16 bytes, the input offset applied through the
 * row sums of the weights): see tp_dsp.h. FC 784->300: 0.34 instructions per MAC there.
 */
#include "../tp_kernel_checks.h"
#include "tp_dsp.h"
#include "tp_fc_requant.h"
#include "tp_fixedpoint.h"
#include "tp_kernels.h"

int32_t tp_fully_connected_s8_get_scratch_size(const tp_fc_s8_params *params) {
    (void)params;
    return 0;
}

static inline int8_t requant(const tp_fc_s8_params *p, int32_t acc, int32_t q) {
    acc = tp_mbqm(acc, p->output_multiplier[q], p->output_shift[q]) + p->output_offset;
    return (int8_t)tp_clamp_i32(acc, p->activation_min, p->activation_max);
}

/* (w + filter_offset) * (x + input_offset): the per-tensor path with asymmetric weights. */
static void fc_with_filter_offset(const tp_fc_s8_params *p, const int8_t *input,
                                  const int8_t *filter, const int32_t *bias, int8_t *output) {
    const int32_t depth = p->input_depth, outs = p->output_depth;
    int32_t b, o, d;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *x = input + (size_t)b * (size_t)depth;
        for (o = 0; o < outs; ++o) {
            const int8_t *w = filter + (size_t)o * (size_t)depth;
            int32_t acc = bias ? bias[o] : 0;
            for (d = 0; d < depth; ++d) {
                acc += ((int32_t)w[d] + p->filter_offset) * ((int32_t)x[d] + p->input_offset);
            }
            output[(size_t)b * (size_t)outs + (size_t)o] = requant(p, acc, 0);
        }
    }
}

tp_status tp_fully_connected_s8(const tp_fc_s8_params *params, const int8_t *input,
                                const int8_t *filter, const int32_t *bias, int8_t *output,
                                void *scratch) {
    const tp_status st = tp_fc_s8_check(params, input, filter, output);
    (void)scratch;
    if (st != TP_OK) return st;
    if (!params->per_channel && params->filter_offset != 0) {
        fc_with_filter_offset(params, input, filter, bias, output);
        return TP_OK;
    }
    {
        const int32_t depth = params->input_depth, outs = params->output_depth;
        const int32_t off = params->input_offset;
        const fc_requant rq = TP_FC_REQUANT_INIT(params);
        int32_t b, o;
        for (b = 0; b < params->batches; ++b) {
            const int8_t *x = input + (size_t)b * (size_t)depth;
            int8_t *y = output + (size_t)b * (size_t)outs;
            for (o = 0; o + 4 <= outs; o += 4) {
                const int8_t *w = filter + (size_t)o * (size_t)depth;
                int32_t acc[4] = {0, 0, 0, 0};
                if (bias) {
                    acc[0] = bias[o];
                    acc[1] = bias[o + 1];
                    acc[2] = bias[o + 2];
                    acc[3] = bias[o + 3];
                }
                tp_dot4_s8(x, w, depth, depth, off, acc);
                {
                    /* All four before the stores: an int8 store may alias anything, which would
                     * reload every parameter after it. */
                    const int8_t v0 = requant_q(&rq, acc[0], o), v1 = requant_q(&rq, acc[1], o + 1);
                    const int8_t v2 = requant_q(&rq, acc[2], o + 2), v3 = requant_q(&rq, acc[3], o + 3);
                    y[o] = v0;
                    y[o + 1] = v1;
                    y[o + 2] = v2;
                    y[o + 3] = v3;
                }
            }
            for (; o < outs; ++o) {
                const int32_t acc = tp_dot1_s8(x, filter + (size_t)o * (size_t)depth, depth, off,
                                               bias ? bias[o] : 0);
                y[o] = requant_q(&rq, acc, o);
            }
        }
    }
    return TP_OK;
}
