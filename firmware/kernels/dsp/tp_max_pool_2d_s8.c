/*
 * MAX_POOL_2D, int8 — DSP-extension variant (Cortex-M4/M7/M33/M55), bit-identical to the
 * plain kernel (firmware/kernels/tp_max_pool_2d_s8.c): a maximum is exact whatever the order.
 *
 * Four channels at a time: SSUB8 sets one GE flag per byte lane where a >= b (signed), SEL
 * then takes those lanes from a and the others from b — a lane-wise int8 max in two
 * instructions. Each window tap is then one 4-byte load and two instructions for four
 * channels; the plain kernel spent ~18 instructions per input byte (the 2x2 pools after the
 * examples' convolutions were ~8% of mnist-dscnn's instructions). The window starts from -128
 * in every lane and takes only the taps inside the input, as the reference does; the result
 * is clamped to the activation range the same way, lane-wise. Channels left over (depth not a
 * multiple of 4) take the reference's scalar loop.
 */
#include "../tp_kernel_checks.h"
#include "tp_dsp.h"
#include "tp_fixedpoint.h"
#include "tp_kernels.h"

#if defined(TP_DSP_EMULATE)
/* Lane-wise signed max of four int8 lanes (what SSUB8 + SEL compute), in C for host tests. */
static inline uint32_t max4_s8(uint32_t a, uint32_t b) {
    uint32_t r = 0;
    int lane;
    for (lane = 0; lane < 4; ++lane) {
        const int8_t x = (int8_t)(uint8_t)(a >> (8 * lane));
        const int8_t y = (int8_t)(uint8_t)(b >> (8 * lane));
        r |= (uint32_t)(uint8_t)(x >= y ? x : y) << (8 * lane);
    }
    return r;
}
#else
static inline uint32_t max4_s8(uint32_t a, uint32_t b) {
    (void)__ssub8((int8x4_t)a, (int8x4_t)b); /* GE[lane] = a >= b */
    return (uint32_t)__sel((uint8x4_t)a, (uint8x4_t)b);
}
#endif

/* min(a, b) lane-wise: max of the complements is the complement of the min (~x = -1 - x). */
static inline uint32_t min4_s8(uint32_t a, uint32_t b) { return ~max4_s8(~a, ~b); }

static inline uint32_t splat_s8(int32_t v) { return (uint32_t)(uint8_t)(int8_t)v * 0x01010101u; }

/* The window of output position o along one axis: its first input position and the taps
 * [*first, *end) of the filter that fall inside the input. */
static inline int32_t window(int32_t o, int32_t stride, int32_t pad, int32_t k, int32_t in,
                             int32_t *first, int32_t *end) {
    const int32_t origin = o * stride - pad;
    *first = origin < 0 ? -origin : 0;
    *end = tp_min_i32(k, in - origin);
    return origin + *first;
}

/* One output pixel: the max over the taps of `win` (rows of `taps_h`, `taps_w` pixels each). */
static void pool_pixel(const tp_pool_s8_params *p, const int8_t *win, int32_t taps_h, int32_t taps_w,
                       size_t row_step, uint32_t lo, uint32_t hi, int8_t *out) {
    const int32_t depth = p->input.c;
    int32_t c = 0, ty, tx;
    for (; c + 4 <= depth; c += 4) {
        uint32_t m = 0x80808080u; /* -128 in every lane */
        const int8_t *row = win + c;
        for (ty = 0; ty < taps_h; ++ty, row += row_step) {
            for (tx = 0; tx < taps_w; ++tx) m = max4_s8(tp_read_u32(row + (size_t)tx * (size_t)depth), m);
        }
        m = min4_s8(max4_s8(m, lo), hi);
        __builtin_memcpy(out + c, &m, 4);
    }
    for (; c < depth; ++c) {
        int32_t best = -128;
        const int8_t *row = win + c;
        for (ty = 0; ty < taps_h; ++ty, row += row_step) {
            for (tx = 0; tx < taps_w; ++tx) best = tp_max_i32(best, row[(size_t)tx * (size_t)depth]);
        }
        out[c] = (int8_t)tp_clamp_i32(best, p->activation_min, p->activation_max);
    }
}

tp_status tp_max_pool_2d_s8(const tp_pool_s8_params *params, const int8_t *input,
                            int8_t *output) {
    const tp_status st = tp_pool_s8_check(params, input, output);
    if (st != TP_OK) return st;
    {
        const int32_t in_w = params->input.w, depth = params->input.c;
        const size_t row_step = (size_t)in_w * (size_t)depth;
        const size_t image = (size_t)params->input.h * row_step;
        const uint32_t lo = splat_s8(params->activation_min), hi = splat_s8(params->activation_max);
        const int32_t pixels = params->output.h * params->output.w;
        int32_t b, i;
        int8_t *out = output;
        for (b = 0; b < params->input.n; ++b) {
            for (i = 0; i < pixels; ++i, out += depth) {
                int32_t y_first, y_end, x_first, x_end;
                const int32_t y = window(i / params->output.w, params->stride_h, params->pad_h, params->filter_h,
                                         params->input.h, &y_first, &y_end);
                const int32_t x = window(i % params->output.w, params->stride_w, params->pad_w, params->filter_w,
                                         in_w, &x_first, &x_end);
                const int8_t *win = input + (size_t)b * image + (size_t)y * row_step + (size_t)x * (size_t)depth;
                pool_pixel(params, win, y_end - y_first, x_end - x_first, row_step, lo, hi, out);
            }
        }
    }
    return TP_OK;
}
