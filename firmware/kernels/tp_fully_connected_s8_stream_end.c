/*
 * FULLY_CONNECTED, int8, input in slices: the requantisation once every slice is summed
 * (tp_fully_connected_s8_stream). The same arithmetic as tp_fully_connected_s8's last step
 * (TFLM MultiplyByQuantizedMultiplier, output offset, activation clamp). One file for every
 * core: it runs output_depth times per inference.
 */
#include "tp_fixedpoint.h"
#include "tp_kernel_checks.h"
#include "tp_kernels.h"

tp_status tp_fully_connected_s8_stream_end(const tp_fc_s8_params *params, const int32_t *acc,
                                           int8_t *output) {
    const tp_status st = tp_fc_s8_check(params, acc, acc, output);
    int32_t o;
    if (st != TP_OK) return st;
    for (o = 0; o < params->output_depth; ++o) {
        const int32_t q = params->per_channel ? o : 0;
        const int32_t v = tp_mbqm(acc[o], params->output_multiplier[q], params->output_shift[q]) +
                          params->output_offset;
        output[o] = (int8_t)tp_clamp_i32(v, params->activation_min, params->activation_max);
    }
    return TP_OK;
}
