/*
 * FULLY_CONNECTED, int8, input in slices (patch-based execution) — plain C.
 * The slice's products are summed into acc exactly as tp_fully_connected_s8 sums the whole
 * row (exact int32 sums: the order does not matter), so the output is bit-exact with TFLM's
 * reference_integer_ops::FullyConnectedPerChannel / FullyConnected. See tp_kernels.h.
 */
#include "tp_kernel_checks.h"
#include "tp_kernels.h"

tp_status tp_fully_connected_s8_stream(const tp_fc_s8_params *params, const int8_t *x,
                                       const int8_t *filter, const int32_t *bias, int32_t col0,
                                       int32_t cols, int32_t *acc) {
    const tp_status st = tp_fc_s8_check(params, x, filter, acc);
    int32_t o;
    if (st != TP_OK) return st;
    TP_CHECK(params->batches == 1 && col0 >= 0 && cols >= 0 && col0 + cols <= params->input_depth,
             TP_ERR_SHAPE);
    {
        const int32_t depth = params->input_depth, in_off = params->input_offset;
        /* TFLM's per-channel kernel ignores weights_offset (weights are symmetric). */
        const int32_t w_off = params->per_channel ? 0 : params->filter_offset;
        for (o = 0; o < params->output_depth; ++o) {
            const int8_t *w = filter + (size_t)o * (size_t)depth + (size_t)col0;
            const int8_t *xp = x;
            const int8_t *const x_end = x + cols;
            int32_t a = col0 == 0 ? (bias ? bias[o] : 0) : acc[o];
            while (xp != x_end) a += ((int32_t)*w++ + w_off) * ((int32_t)*xp++ + in_off);
            acc[o] = a;
        }
    }
    return TP_OK;
}
