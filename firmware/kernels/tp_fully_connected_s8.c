/*
 * FULLY_CONNECTED, int8 — plain C reference.
 * Bit-exact with TFLM reference_integer_ops::FullyConnectedPerChannel (per_channel != 0) and
 * reference_integer_ops::FullyConnected (per-tensor, with filter_offset). Same loop order
 * (batch, output, depth), though for exact int32 sums the order does not matter.
 */
#include "tp_fixedpoint.h"
#include "tp_kernel_checks.h"
#include "tp_kernels.h"

int32_t tp_fully_connected_s8_get_scratch_size(const tp_fc_s8_params *params) {
    (void)params;
    return 0;
}

tp_status tp_fully_connected_s8(const tp_fc_s8_params *params, const int8_t *input,
                                const int8_t *filter, const int32_t *bias, int8_t *output,
                                void *scratch) {
    const tp_status st = tp_fc_s8_check(params, input, filter, output);
    int32_t b, o;
    (void)scratch;
    if (st != TP_OK) return st;
    {
        const int32_t depth = params->input_depth;
        const int32_t outs = params->output_depth;
        const int32_t in_off = params->input_offset;
        /* TFLM's per-channel kernel ignores weights_offset (weights are symmetric). */
        const int32_t w_off = params->per_channel ? 0 : params->filter_offset;
        for (b = 0; b < params->batches; ++b) {
            const int8_t *x = input + (size_t)b * (size_t)depth;
            for (o = 0; o < outs; ++o) {
                const int8_t *w = filter + (size_t)o * (size_t)depth;
                const int32_t q = params->per_channel ? o : 0;
                const int8_t *xp = x;
                const int8_t *const x_end = x + depth;
                int32_t acc = 0;
                /* Pointer loops: GCC 12 turns the indexed form into a slower induction. */
                if (w_off == 0) {
                    /* The usual case (symmetric weights): one add less per MAC. */
                    while (xp != x_end) acc += (int32_t)*w++ * ((int32_t)*xp++ + in_off);
                } else {
                    while (xp != x_end) acc += ((int32_t)*w++ + w_off) * ((int32_t)*xp++ + in_off);
                }
                if (bias) acc += bias[o];
                acc = tp_mbqm(acc, params->output_multiplier[q], params->output_shift[q]);
                acc += params->output_offset;
                output[(size_t)b * (size_t)outs + (size_t)o] =
                    (int8_t)tp_clamp_i32(acc, params->activation_min, params->activation_max);
            }
        }
    }
    return TP_OK;
}
