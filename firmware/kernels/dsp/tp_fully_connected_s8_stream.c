/*
 * FULLY_CONNECTED, int8, input in slices (patch-based execution) — DSP-extension variant
 * (Cortex-M4/M7/M33; on a Cortex-M55 tp_dsp.h's dot products are Helium). The same sums as
 * the plain kernel (firmware/kernels/tp_fully_connected_s8_stream.c) with the dense kernel's
 * dot products: four rows share each load of the slice (tp_dot4_s8), the rest one at a time.
 */
#include "../tp_kernel_checks.h"
#include "tp_dsp.h"
#include "tp_kernels.h"

tp_status tp_fully_connected_s8_stream(const tp_fc_s8_params *params, const int8_t *x,
                                       const int8_t *filter, const int32_t *bias, int32_t col0,
                                       int32_t cols, int32_t *acc) {
    const tp_status st = tp_fc_s8_check(params, x, filter, acc);
    if (st != TP_OK) return st;
    TP_CHECK(params->batches == 1 && col0 >= 0 && cols >= 0 && col0 + cols <= params->input_depth,
             TP_ERR_SHAPE);
    {
        const int32_t depth = params->input_depth, outs = params->output_depth;
        const int32_t off = params->input_offset;
        const int8_t *w = filter + col0;
        int32_t o;
        if (col0 == 0) {
            for (o = 0; o < outs; ++o) acc[o] = bias ? bias[o] : 0;
        }
        if (!params->per_channel && params->filter_offset != 0) {
            /* Asymmetric per-tensor weights (never produced by TFLite's int8 quantiser). */
            int32_t d;
            for (o = 0; o < outs; ++o) {
                for (d = 0; d < cols; ++d) {
                    acc[o] += ((int32_t)w[(size_t)o * (size_t)depth + (size_t)d] + params->filter_offset) *
                              ((int32_t)x[d] + off);
                }
            }
            return TP_OK;
        }
        for (o = 0; o + 4 <= outs; o += 4) tp_dot4_s8(x, w + (size_t)o * (size_t)depth, depth, cols, off, acc + o);
        for (; o < outs; ++o) acc[o] = tp_dot1_s8(x, w + (size_t)o * (size_t)depth, cols, off, acc[o]);
    }
    return TP_OK;
}
