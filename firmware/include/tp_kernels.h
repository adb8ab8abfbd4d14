/*
 * tinyprune runtime kernels: the C API the generated model.c calls.
 *
 * What these kernels compute
 * --------------------------
 * Each kernel reproduces, byte for byte, the TensorFlow Lite Micro reference kernel of the
 * same op (tensorflow/tflite-micro @ 90b983c2b3f1, tensorflow/lite/kernels/internal/
 * reference/...), and therefore tinyprune's TypeScript reference interpreter:
 *  - s8 (int8) kernels use TFLM's integer arithmetic exactly: per-channel requantisation with
 *    MultiplyByQuantizedMultiplier (double rounding: gemmlowp SaturatingRoundingDoublingHighMul
 *    then RoundingDivideByPOT), ADD with left_shift 20, TFLM's int8 SOFTMAX (gemmlowp fixed-
 *    point exp and reciprocal), see tp_fixedpoint.h.
 *  - f32 kernels do each float multiply and add in TFLM's loop order, rounded separately. They
 *    MUST be compiled with -ffp-contract=off (GCC otherwise fuses a*b+c into one FMA on cores
 *    with an FPU, which changes low bits). SOFTMAX uses expf(); newlib's and glibc's expf can
 *    differ by 1 ulp, so float softmax is exact only against the same libm.
 *
 * Conventions
 * -----------
 *  - Activations are NHWC, row-major, no padding between rows or channels.
 *  - Filters: CONV_2D OHWI [C_out, KH, KW, C_in/groups]; DEPTHWISE_CONV_2D 1HWO
 *    [1, KH, KW, C_out]; FULLY_CONNECTED [out, in] (row o holds the `in` weights of output o).
 *  - Bias is int32 for s8 kernels (scale = input_scale * filter_scale[c], zero point 0) and
 *    float for f32 kernels, one per output channel; a NULL bias means "no bias" (all zero).
 *  - Requantisation parameters are the values TFLM computes in Prepare:
 *      multiplier: Q0.31 in [2^30, 2^31 - 1], or 0 for a zero scale;
 *      shift:      the exponent from QuantizeMultiplier/frexp, in [-31, 30]; > 0 is a left
 *                  shift, < 0 a rounding right shift (TFLM's "output_shift", not CMSIS's).
 *  - Offsets follow TFLite's ArithmeticParams: input_offset = -input_zero_point (so in
 *    [-127, 128] for int8; the conv/FC kernels accept [-255, 255]), output_offset =
 *    +output_zero_point ([-128, 127]).
 *  - Fused activations (NONE/RELU/RELU6/RELU_N1_TO_1) are a clamp to
 *    [activation_min, activation_max]: for s8 the quantised bounds TFLM's
 *    CalculateActivationRangeQuantized gives (within [-128, 127]), for f32 the real bounds
 *    (-FLT_MAX/FLT_MAX for NONE). activation_min <= activation_max.
 *  - Padding is explicit: pad_h/pad_w are TFLite's padding_values (rows/columns added before
 *    the first input row/column; SAME padding puts any odd extra row at the end, which the
 *    output size already accounts for). VALID padding is pad_h = pad_w = 0.
 *  - Kernels never allocate. The three kernels with optimised variants (fully_connected_s8,
 *    conv_2d_s8, depthwise_conv_2d_s8) take a `scratch` pointer and report how many bytes it
 *    must have with *_get_scratch_size(params); scratch may be NULL when that size is 0 and
 *    is not used across calls (it can share the arena with other layers' scratch). Today
 *    every variant (plain, dsp, mve) returns 0: none needs scratch. A code generator that
 *    plans the arena statically should still reserve max(get_scratch_size) over the variants
 *    it may link (TP_SCRATCH_BYTES_MAX below is that bound for this version: 0).
 *  - int32 arrays (bias, multipliers, shifts) must be 4-byte aligned (the MVE kernels load
 *    them as vectors); int8 and float tensors need only their natural alignment.
 *  - Input and output buffers must not overlap, except where a kernel says so, and except
 *    the in-place placement of the generated code: conv_2d, depthwise_conv_2d and the pools
 *    (s8 and f32, every variant) compute output pixels in raster order, so the output may start
 *    below its input by the displacement src/plan/overlap.ts computes from the geometry
 *    (writes only ever land on input bytes no later pixel reads). A change to one of these
 *    kernels' loop order must be checked against IN_PLACE_KERNELS there.
 *  - Accumulators are int32, as in TFLM; the caller keeps sum |w|*(|x|+|offset|) + |bias|
 *    below 2^31 (TFLM's assumption too: accumulation depth up to ~2^16 for int8).
 *
 * Build-time variants
 * -------------------
 * The plain C99 kernels live in firmware/kernels/ (*.c there, one op and dtype per file; the
 * *.h there are internal). firmware/kernels/dsp/ (Cortex-M4/M7/M33 and M55: needs
 * __ARM_FEATURE_DSP) and firmware/kernels/mve/ (Cortex-M55: needs __ARM_FEATURE_MVE) hold
 * optimised files with the same names and the same functions. A build compiles, for each
 * plain file, the file of the same name from the most specific folder the core supports:
 *   Cortex-M55 (Helium): mve/, else dsp/, else plain;   M4/M7/M33 with DSP: dsp/, else plain;
 *   M0/M0+/M3 and M33 without DSP: plain.
 * Today dsp/ has fully_connected_s8, conv_2d_s8, conv_2d_s8_small and depthwise_conv_2d_s8; mve/ has
 * depthwise_conv_2d_s8 (on Helium the dsp/ fully_connected_s8 and conv_2d_s8 run with mve/'s
 * dot products, see dsp/tp_dsp.h). Results are bit-identical to the plain kernels (only the order of exact int32
 * additions changes). Defining TP_DSP_NO_ASM makes the dsp kernels use C instead of their
 * inline-assembly loops (needed only with -fno-omit-frame-pointer on Cortex-M33 + FPU).
 *
 * FULLY_CONNECTED, a code-generation hint: because the weights and input_offset are constants,
 * the generator may fold the input offset into the bias,
 *   bias'[o] = bias[o] + input_offset * sum_d w[o][d],   input_offset' = 0,
 * which gives identical results (int32 arithmetic is exact modulo 2^32) and lets the dsp/mve
 * kernels skip the offset (FC 784->300: 1.69 -> 1.63 instructions/MAC on Cortex-M4, 0.34 ->
 * 0.24 on Cortex-M55). Not valid for CONV_2D/DEPTHWISE (padding taps contribute nothing, so
 * the correction would depend on the position).
 *
 * Everything here is C99 and safe to include from C++.
 */
#ifndef TP_KERNELS_H
#define TP_KERNELS_H

#include <stdint.h>

#include "tp_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Upper bound of *_get_scratch_size over every variant of this version (see above). */
#define TP_SCRATCH_BYTES_MAX 0

/* ============================================================================================
 * FULLY_CONNECTED
 * ========================================================================================== */

/* int8 FULLY_CONNECTED (TFLM reference_integer_ops::FullyConnectedPerChannel when
 * per_channel != 0, reference_integer_ops::FullyConnected when per_channel == 0):
 *   acc = bias[o] + sum_d (w[o][d] + filter_offset) * (x[b][d] + input_offset)
 *   y[b][o] = clamp(MBQM(acc, multiplier[o or 0], shift[o or 0]) + output_offset)
 * filter_offset applies only to per-tensor quantisation, as in TFLM (it is 0 for TFLite int8
 * weights, which are symmetric). */
typedef struct {
    int32_t batches;      /* rows of the input/output matrices, >= 1 */
    int32_t input_depth;  /* accumulation depth (weights per output), >= 1 */
    int32_t output_depth; /* outputs per row, >= 1 */
    int32_t input_offset;  /* -input_zero_point, [-127, 128] */
    int32_t filter_offset; /* -filter_zero_point, [-127, 128]; used when per_channel == 0 */
    int32_t output_offset; /* output_zero_point, [-128, 127] */
    int32_t per_channel;   /* 1: multiplier/shift have output_depth entries; 0: one entry */
    const int32_t *output_multiplier; /* [output_depth] or [1] */
    const int32_t *output_shift;      /* [output_depth] or [1], each in [-31, 30] */
    int32_t activation_min; /* [-128, 127] */
    int32_t activation_max; /* [activation_min, 127] */
} tp_fc_s8_params;

/* input [batches, input_depth], filter [output_depth, input_depth], bias [output_depth] or
 * NULL, output [batches, output_depth]. */
tp_status tp_fully_connected_s8(const tp_fc_s8_params *params, const int8_t *input,
                                const int8_t *filter, const int32_t *bias, int8_t *output,
                                void *scratch);
int32_t tp_fully_connected_s8_get_scratch_size(const tp_fc_s8_params *params);

/* int8 FULLY_CONNECTED with the weights packed in row pairs (DSP-extension cores only:
 * firmware/kernels/dsp/tp_fully_connected_s8_pairs.c; the code generator packs them, src/codegen/
 * ops/fc_pairs.ts). Same output as tp_fully_connected_s8 on the unpacked weights. Requires
 * input_depth % 4 == 0, output_depth >= 4, filter_offset 0 (symmetric weights) and a 4-byte
 * aligned packed array. Rows 4b..4b+3 form two pairs (hi 4b, lo 4b+1) and (hi 4b+2, lo 4b+3);
 * for every 4 inputs k..k+3 a block holds 16 bytes: pair 1's words E = {lo[k], hi[k], lo[k+2],
 * hi[k+2]} and O = {lo[k+1], hi[k+1], lo[k+3], hi[k+3]}, then pair 2's, where hi[j] = w[hi][j]
 * and lo[j] = w[lo][j] XOR 0x80 (= w + 128 as a byte). The output_depth % 4 rows left after
 * the blocks follow as plain rows. */
tp_status tp_fully_connected_s8_pairs(const tp_fc_s8_params *params, const int8_t *input,
                                      const int8_t *packed, const int32_t *bias, int8_t *output,
                                      void *scratch);

/* int8 FULLY_CONNECTED whose input arrives in slices (patch-based execution, issue #14: the
 * layer that produces the input runs a band of output rows at a time, and the full input
 * never exists). With batches == 1, for the input columns [col0, col0 + cols), x holding
 * those columns:
 *   acc[o] = (col0 == 0 ? bias[o] (0 without bias) : acc[o])
 *            + sum_{d in [col0, col0 + cols)} (w[o][d] + filter_offset') * (x[d - col0] + input_offset)
 * (filter_offset' as in tp_fully_connected_s8), and tp_fully_connected_s8_stream_end turns
 * acc into the output as tp_fully_connected_s8 would: the int32 sums are exact, so summing
 * slice by slice gives the same bytes. acc holds output_depth int32s. */
tp_status tp_fully_connected_s8_stream(const tp_fc_s8_params *params, const int8_t *x,
                                       const int8_t *filter, const int32_t *bias, int32_t col0,
                                       int32_t cols, int32_t *acc);
tp_status tp_fully_connected_s8_stream_end(const tp_fc_s8_params *params, const int32_t *acc,
                                           int8_t *output);

/* The input rows a band of output rows [r0, r1) of a windowed layer reads (the convolutions,
 * depthwise convolutions and pools: output row r reads input rows r * stride - pad +
 * k * dilation, k < filter height), as the kernel call that computes only that band sees
 * them: it starts at input row *first, has *rows rows, and *pad rows of padding above. */
static inline void tp_band_input(int32_t r0, int32_t r1, int32_t stride, int32_t pad,
                                 int32_t filter_h, int32_t dilation, int32_t input_h,
                                 int32_t *first, int32_t *rows, int32_t *pad_top) {
    const int32_t top = r0 * stride - pad;
    const int32_t lo = top > 0 ? top : 0;
    int32_t hi = (r1 - 1) * stride - pad + (filter_h - 1) * dilation + 1;
    if (hi > input_h) hi = input_h;
    *first = lo;
    *rows = hi - lo;
    *pad_top = lo - top;
}

/* float FULLY_CONNECTED (TFLM reference_ops::FullyConnected):
 *   total = 0; for d: total += x[b][d] * w[o][d];  y = clamp(total + bias[o]) */
typedef struct {
    int32_t batches;
    int32_t input_depth;
    int32_t output_depth;
    float activation_min;
    float activation_max;
} tp_fc_f32_params;

tp_status tp_fully_connected_f32(const tp_fc_f32_params *params, const float *input,
                                 const float *filter, const float *bias, float *output);

/* ============================================================================================
 * CONV_2D
 * ========================================================================================== */

/* int8 CONV_2D (TFLM reference_integer_ops::ConvPerChannel), grouped convolution included:
 * groups = input.c / filter.c, output channel o reads input channels
 * [g * filter.c, (g+1) * filter.c) with g = o / (output.c / groups). Taps that fall outside
 * the input (padding) are skipped, i.e. contribute 0 in the offset domain. */
typedef struct {
    tp_dims4 input;  /* [N, H, W, C_in] */
    tp_dims4 filter; /* [C_out, KH, KW, C_in / groups] (OHWI); filter.n == output.c */
    tp_dims4 output; /* [N, OH, OW, C_out]; output.n == input.n */
    int32_t stride_h, stride_w;     /* >= 1 */
    int32_t dilation_h, dilation_w; /* >= 1 */
    int32_t pad_h, pad_w;           /* >= 0 */
    int32_t input_offset;  /* -input_zero_point, [-127, 128] */
    int32_t output_offset; /* output_zero_point, [-128, 127] */
    const int32_t *output_multiplier; /* [C_out] */
    const int32_t *output_shift;      /* [C_out], each in [-31, 30] */
    int32_t activation_min, activation_max; /* [-128, 127] */
    /* 0, or 1 (DSP-extension cores only, firmware/kernels/dsp): a pointwise layer (1x1, no
     * padding, no groups) with input.c % 4 == 0, input.c <= 256, output.c >= 2 and
     * input_offset 0 (folded into the bias), whose filter the generator packed in channel pairs
     * (src/codegen/ops/conv_pairs.ts): for channels 2b (hi) and 2b+1 (lo), per 4 input
     * channels k..k+3 the pair's words E = {lo[k], hi[k], lo[k+2], hi[k+2]} and O = {lo[k+1],
     * hi[k+1], lo[k+3], hi[k+3]}, lo[j] = w[2b+1][j] XOR 0x80. Channels go in quads (pairs
     * 2q, 2q+1), per 4 input channels {E(2q), E(2q+1), O(2q), O(2q+1)}; a last pair
     * (output.c % 4 >= 2) follows with {E, O} per 4 input channels, then an odd last channel as
     * a plain row. The plain kernel rejects it (TP_ERR_PARAM). */
    int32_t pw_pairs;
} tp_conv_s8_params;

tp_status tp_conv_2d_s8(const tp_conv_s8_params *params, const int8_t *input,
                        const int8_t *filter, const int32_t *bias, int8_t *output,
                        void *scratch);
int32_t tp_conv_2d_s8_get_scratch_size(const tp_conv_s8_params *params);

/* int8 CONV_2D for small filter patches (issues #13/#14: first layers with 1..4 input
 * channels), the same results as tp_conv_2d_s8 from constants the code generator prepared:
 * no groups, n = filter.h * filter.w * filter.c <= TP_CONV_SMALL_MAX_PATCH taps, every
 * output_shift in [-31, -1], and for every channel |bias[o]| + 383 * sum_k |w[o][k]| < 2^30
 * (the doubled accumulator fits an int32) and (|output_offset| + 1) * 2^-shift + 2^30 < 2^31 (the
 * generator checks both and otherwise calls tp_conv_2d_s8).
 * Taps are numbered k = (ky * filter.w + kx) * filter.c + ci (OHWI order) and grouped into
 * np = tp_conv_small_pairs(n) pairs: pair 2i holds taps (4i, 4i+2), pair 2i+1 taps
 * (4i+1, 4i+3); taps >= n have weight 0. `filter` holds one word per (pair, channel), the
 * pair's two weights doubled (2 * w, int16; the low half the first tap): for each block of 4
 * output channels [4b, 4b+4), np x 4 words (pair-major, the 4 channels interleaved); then the
 * output.c % 4 channels left over, np words each. `requant` holds per channel
 * tp_conv_small_requant: the doubled bias, output_multiplier, and 2^(right-1) +
 * output_offset * 2^right and right = -output_shift (so that the rounding division and the
 * output offset are one SMMLAR). output_multiplier / output_shift in params must hold the
 * same values (the plain kernel requantises from them). TP_ERR_PARAM if a shift is > -1 or the
 * patch is too long; the other bounds are not checked here. */
#define TP_CONV_SMALL_MAX_PATCH 128
static inline int32_t tp_conv_small_pairs(int32_t n) { return 2 * ((n - 1) / 4) + (((n - 1) & 3) != 0 ? 2 : 1); }
typedef struct {
    int32_t bias2;      /* 2 * bias[o] (0 without a bias) */
    int32_t multiplier; /* output_multiplier[o] */
    int32_t round_off;  /* 2^(right-1) + output_offset * 2^right */
    int32_t right;      /* -output_shift[o], [1, 31] */
} tp_conv_small_requant;
tp_status tp_conv_2d_s8_small(const tp_conv_s8_params *params, const int8_t *input,
                              const uint32_t *filter, const tp_conv_small_requant *requant,
                              int8_t *output, void *scratch);
int32_t tp_conv_2d_s8_small_get_scratch_size(const tp_conv_s8_params *params);

/* float CONV_2D (TFLM reference_ops::Conv): total summed over (ky, kx, ci) in that order. */
typedef struct {
    tp_dims4 input;
    tp_dims4 filter;
    tp_dims4 output;
    int32_t stride_h, stride_w;
    int32_t dilation_h, dilation_w;
    int32_t pad_h, pad_w;
    float activation_min, activation_max;
} tp_conv_f32_params;

tp_status tp_conv_2d_f32(const tp_conv_f32_params *params, const float *input,
                         const float *filter, const float *bias, float *output);

/* ============================================================================================
 * DEPTHWISE_CONV_2D
 * ========================================================================================== */

/* int8 DEPTHWISE_CONV_2D (TFLM reference_integer_ops::DepthwiseConvPerChannel): output
 * channel o = ic * depth_multiplier + m reads input channel ic with filter[0][ky][kx][o]. */
typedef struct {
    tp_dims4 input;  /* [N, H, W, C_in] */
    tp_dims4 filter; /* [1, KH, KW, C_out] (1HWO); filter.c == output.c */
    tp_dims4 output; /* [N, OH, OW, C_out], C_out == C_in * depth_multiplier */
    int32_t depth_multiplier; /* >= 1 */
    int32_t stride_h, stride_w;
    int32_t dilation_h, dilation_w;
    int32_t pad_h, pad_w;
    int32_t input_offset;
    int32_t output_offset;
    const int32_t *output_multiplier; /* [C_out] */
    const int32_t *output_shift;      /* [C_out] */
    int32_t activation_min, activation_max;
} tp_dwconv_s8_params;

tp_status tp_depthwise_conv_2d_s8(const tp_dwconv_s8_params *params, const int8_t *input,
                                  const int8_t *filter, const int32_t *bias, int8_t *output,
                                  void *scratch);
int32_t tp_depthwise_conv_2d_s8_get_scratch_size(const tp_dwconv_s8_params *params);

/* float DEPTHWISE_CONV_2D (TFLM reference_ops::DepthwiseConv): total over (ky, kx). */
typedef struct {
    tp_dims4 input;
    tp_dims4 filter;
    tp_dims4 output;
    int32_t depth_multiplier;
    int32_t stride_h, stride_w;
    int32_t dilation_h, dilation_w;
    int32_t pad_h, pad_w;
    float activation_min, activation_max;
} tp_dwconv_f32_params;

tp_status tp_depthwise_conv_2d_f32(const tp_dwconv_f32_params *params, const float *input,
                                   const float *filter, const float *bias, float *output);

/* ============================================================================================
 * AVERAGE_POOL_2D, MAX_POOL_2D
 * ========================================================================================== */

/* Pooling over a filter_h x filter_w window clipped to the input (padding is never counted).
 * int8 average: sum / count rounded half away from zero (TFLM reference_integer_ops::
 * AveragePool); float average: total / (float)count (reference_ops::AveragePool).
 * Max: the largest in-window value (the int8 one starts from -128, the float one from
 * -FLT_MAX). Then the activation clamp. input.n == output.n, input.c == output.c. */
typedef struct {
    tp_dims4 input;  /* [N, H, W, C] */
    tp_dims4 output; /* [N, OH, OW, C] */
    int32_t filter_h, filter_w; /* >= 1 */
    int32_t stride_h, stride_w; /* >= 1 */
    int32_t pad_h, pad_w;       /* >= 0 */
    int32_t activation_min, activation_max;
} tp_pool_s8_params;

typedef struct {
    tp_dims4 input;
    tp_dims4 output;
    int32_t filter_h, filter_w;
    int32_t stride_h, stride_w;
    int32_t pad_h, pad_w;
    float activation_min, activation_max;
} tp_pool_f32_params;

tp_status tp_average_pool_2d_s8(const tp_pool_s8_params *params, const int8_t *input,
                                int8_t *output);
tp_status tp_average_pool_2d_f32(const tp_pool_f32_params *params, const float *input,
                                 float *output);
tp_status tp_max_pool_2d_s8(const tp_pool_s8_params *params, const int8_t *input,
                            int8_t *output);
tp_status tp_max_pool_2d_f32(const tp_pool_f32_params *params, const float *input,
                             float *output);

/* ============================================================================================
 * ADD, MUL (element-wise, with broadcasting)
 * ========================================================================================== */

/* Broadcasting as TFLM/NumPy: shapes are aligned at their last dimension; each input extent
 * equals the output extent or is 1 (then repeated). Ranks 0..TP_MAX_DIMS; the output rank is
 * the larger input rank. Equal shapes take a flat fast path. Output may alias an input with
 * the same shape as the output (each element is read before it is written). */

/* int8 ADD (TFLM reference_integer_ops::Add / BroadcastAdd*DSlow), per element:
 *   a = (x1 + input1_offset) << left_shift;  b = (x2 + input2_offset) << left_shift
 *   a = MBQM(a, input1_multiplier, input1_shift); b = MBQM(b, input2_multiplier, input2_shift)
 *   y = clamp(MBQM(a + b, output_multiplier, output_shift) + output_offset)
 * TFLM's Prepare: left_shift = 20; twice_max = 2 * max(s1, s2) (double);
 * QuantizeMultiplierSmallerThanOneExp of s1/twice_max, s2/twice_max and
 * twice_max / (2^20 * s_out) gives the three multiplier/shift pairs (shifts <= 0). */
typedef struct {
    tp_shape input1;
    tp_shape input2;
    tp_shape output;
    int32_t input1_offset; /* -zero_point1, [-127, 128] */
    int32_t input2_offset; /* -zero_point2 */
    int32_t output_offset; /* output zero point */
    int32_t left_shift;    /* 20 for int8 (TFLM) ; [0, 22] */
    int32_t input1_multiplier, input1_shift; /* shift in [-31, 0] */
    int32_t input2_multiplier, input2_shift; /* shift in [-31, 0] */
    int32_t output_multiplier, output_shift; /* shift in [-31, 0] */
    int32_t activation_min, activation_max;
} tp_add_s8_params;

tp_status tp_add_s8(const tp_add_s8_params *params, const int8_t *input1, const int8_t *input2,
                    int8_t *output);

/* int8 MUL (TFLM reference_integer_ops::MulElementwise / BroadcastMul*DSlow), per element:
 *   y = clamp(MBQM((x1 + input1_offset) * (x2 + input2_offset), output_multiplier,
 *                  output_shift) + output_offset)
 * with output_multiplier/shift = QuantizeMultiplier(s1 * s2 / s_out) (any shift). */
typedef struct {
    tp_shape input1;
    tp_shape input2;
    tp_shape output;
    int32_t input1_offset;
    int32_t input2_offset;
    int32_t output_offset;
    int32_t output_multiplier, output_shift; /* shift in [-31, 30] */
    int32_t activation_min, activation_max;
} tp_mul_s8_params;

tp_status tp_mul_s8(const tp_mul_s8_params *params, const int8_t *input1, const int8_t *input2,
                    int8_t *output);

/* float ADD / MUL: y = clamp(x1 + x2) / clamp(x1 * x2). */
typedef struct {
    tp_shape input1;
    tp_shape input2;
    tp_shape output;
    float activation_min, activation_max;
} tp_binary_f32_params;

tp_status tp_add_f32(const tp_binary_f32_params *params, const float *input1,
                     const float *input2, float *output);
tp_status tp_mul_f32(const tp_binary_f32_params *params, const float *input1,
                     const float *input2, float *output);

/* ============================================================================================
 * SOFTMAX (over the last dimension)
 * ========================================================================================== */

/* int8 -> int8 SOFTMAX, TFLM reference_ops::Softmax<int8_t, int8_t> exactly. Output is
 * quantised with scale 1/256 and zero point -128 (TFLM requires that). Parameters from TFLM's
 * CalculateSoftmaxParams (host side):
 *   PreprocessSoftmaxScaling(beta, input_scale, 5) ->
 *     input_multiplier, input_left_shift = QuantizeMultiplierGreaterThanOne(
 *         min(beta * input_scale * 2^26, 2^31 - 1))
 *   diff_min = -floor((2^5 - 1) * 2^26 / 2^input_left_shift)   (CalculateInputRadius(5, s))
 * depth * 2^19 must stay below 2^31 (depth <= 4095): the sum of exps is Q12.19. A row whose
 * sum needs a reciprocal exponent outside [0, 31] (TFLM aborts with TFLITE_CHECK there; only
 * possible for depth >= ~512 with many near-maximal inputs) makes the kernel return
 * TP_ERR_PARAM after writing the rows before it. */
typedef struct {
    int32_t outer_size;       /* product of all but the last dimension, >= 1 */
    int32_t depth;            /* last dimension, [1, 4095] */
    int32_t input_multiplier; /* Q0.31 */
    int32_t input_left_shift; /* [0, 30] */
    int32_t diff_min;         /* <= 0 */
} tp_softmax_s8_params;

tp_status tp_softmax_s8(const tp_softmax_s8_params *params, const int8_t *input,
                        int8_t *output);

/* float SOFTMAX (TFLM reference_ops::Softmax): max; e = expf((x - max) * beta); sum in order;
 * y = e / sum. Output may alias input. */
typedef struct {
    int32_t outer_size;
    int32_t depth;
    float beta;
} tp_softmax_f32_params;

tp_status tp_softmax_f32(const tp_softmax_f32_params *params, const float *input,
                         float *output);

/* ============================================================================================
 * QUANTIZE, DEQUANTIZE
 * ========================================================================================== */

/* float -> int8 QUANTIZE (TFLM reference_ops::AffineQuantize):
 *   y = clamp(roundf(x / scale) + zero_point, -128, 127)   (float division, round half away)
 * Values beyond the int32 range saturate (as on Arm; x86 TFLM gives INT32_MIN there), NaN
 * gives zero_point. */
typedef struct {
    int32_t size;       /* elements, >= 0 */
    float scale;        /* output scale, > 0 */
    int32_t zero_point; /* output zero point, [-128, 127] */
} tp_quantize_f32_params;

tp_status tp_quantize_f32(const tp_quantize_f32_params *params, const float *input,
                          int8_t *output);

/* int8 -> int8 QUANTIZE, i.e. requantise (TFLM reference_ops::Requantize):
 *   y = clamp(MBQM(x - input_zero_point, multiplier, shift) + output_zero_point)
 * multiplier/shift = QuantizeMultiplier(input_scale / output_scale). Output may alias input. */
typedef struct {
    int32_t size;
    int32_t input_zero_point;
    int32_t output_zero_point;
    int32_t multiplier;
    int32_t shift; /* [-31, 30] */
} tp_quantize_s8_params;

tp_status tp_quantize_s8(const tp_quantize_s8_params *params, const int8_t *input,
                         int8_t *output);

/* int8 -> float DEQUANTIZE (TFLM reference_ops::Dequantize): the product is done in double,
 * as TFLM (its scale is a double holding the float scale), then rounded to float:
 *   y = (float)((double)scale * (double)(x - zero_point)) */
typedef struct {
    int32_t size;
    float scale;
    int32_t zero_point;
} tp_dequantize_s8_params;

tp_status tp_dequantize_s8(const tp_dequantize_s8_params *params, const int8_t *input,
                           float *output);

/* ============================================================================================
 * CONCATENATION (a copy: TFLM requires equal scale/zero point for int8 inputs and output)
 * ========================================================================================== */

/* Concatenating along `axis` of shapes [d0, .., d_axis(i), .., d_{r-1}]:
 *   outer_size = d0 * .. * d_{axis-1}, inner_size = d_{axis+1} * .. * d_{r-1},
 *   axis_sizes[i] = input i's extent on the axis.
 * Output [outer_size, sum(axis_sizes), inner_size]. */
typedef struct {
    int32_t num_inputs;         /* >= 1 */
    int32_t outer_size;         /* >= 1 */
    int32_t inner_size;         /* >= 1 */
    const int32_t *axis_sizes;  /* [num_inputs], each >= 0 */
} tp_concat_params;

tp_status tp_concatenation_s8(const tp_concat_params *params, const int8_t *const *inputs,
                              int8_t *output);
tp_status tp_concatenation_f32(const tp_concat_params *params, const float *const *inputs,
                               float *output);

/* ============================================================================================
 * PAD (constant padding)
 * ========================================================================================== */

/* Output dims[i] = before[i] + input.dims[i] + after[i]; every element not copied from the
 * input is pad_value. TFLM uses the constant_values tensor when the op has one, else 0 for
 * float and the output zero point for int8. */
typedef struct {
    tp_shape input;                 /* rank 1..TP_MAX_DIMS */
    int32_t before[TP_MAX_DIMS];    /* >= 0 */
    int32_t after[TP_MAX_DIMS];     /* >= 0 */
    int8_t pad_value;
} tp_pad_s8_params;

typedef struct {
    tp_shape input;
    int32_t before[TP_MAX_DIMS];
    int32_t after[TP_MAX_DIMS];
    float pad_value;
} tp_pad_f32_params;

tp_status tp_pad_s8(const tp_pad_s8_params *params, const int8_t *input, int8_t *output);
tp_status tp_pad_f32(const tp_pad_f32_params *params, const float *input, float *output);

/* ============================================================================================
 * MEAN (reduce over a set of axes)
 * ========================================================================================== */

/* Axes are a bit mask over input dims (bit i = reduce dim i; negative TFLite axes resolved and
 * duplicates merged on the host). The output holds the kept dims in input order (keep_dims
 * only changes the shape, not the memory layout). With axis_mask == 0 each output averages a
 * single element.
 *
 * int8 MEAN has several numerically different code paths across TFLM versions; the host picks
 * the one its TFLM reproduces (method):
 *  TP_MEAN_S8_SAME_QUANT  input and output scale/zero point equal: reference_ops::Mean<int8,
 *                         int32>: y = (int8)(sum / count) with C truncating division.
 *  TP_MEAN_S8_REQUANT     scales or zero points differ, float QuantizedMeanOrSum (older
 *                         reduce.h), compute_sum = false:
 *                           scale = input_scale / output_scale; bias = -input_zp * scale;
 *                           mean = (float)sum / (float)count;
 *                           y = clamp(roundf(mean * scale + bias) + output_zp) in float.
 *  TP_MEAN_S8_MULTIPLIER  the 4-D, axes {1, 2}, keep_dims special case of older TFLM builds
 *                         (reference_integer_ops::Mean): acc = sum(x - input_zp);
 *                         acc = MBQM(acc, multiplier, shift) with multiplier/shift =
 *                         QuantizeMultiplier(input_scale / output_scale);
 *                         acc = round-half-away(acc / count); y = clamp(acc + output_zp).
 *  TP_MEAN_S8_FOLDED      integer QuantizedMeanOrSum (newer reduce.h; what tinyprune's
 *                         interpreter uses for differing quantisation): acc = sum(x - input_zp);
 *                         y = clamp(MBQM(acc, multiplier, shift) + output_zp) where the host
 *                         folded 1/count into multiplier/shift: (m, e) = QuantizeMultiplier(
 *                         input_scale / output_scale); s = min(floor(log2(count)), 32, 31 + e);
 *                         multiplier = (m << s) / count (int64), shift = e - s.
 * float MEAN: per output, total += x in input row-major order, y = total / (float)count. */
typedef enum {
    TP_MEAN_S8_SAME_QUANT = 0,
    TP_MEAN_S8_REQUANT = 1,
    TP_MEAN_S8_MULTIPLIER = 2,
    TP_MEAN_S8_FOLDED = 3
} tp_mean_s8_method;

typedef struct {
    tp_shape input;          /* rank 1..TP_MAX_DIMS */
    uint32_t axis_mask;      /* bits < input.rank */
    int32_t method;          /* a tp_mean_s8_method */
    int32_t input_zero_point, output_zero_point;
    float input_scale, output_scale; /* TP_MEAN_S8_REQUANT */
    int32_t multiplier, shift;       /* TP_MEAN_S8_MULTIPLIER and _FOLDED; shift [-31, 30] */
} tp_mean_s8_params;

typedef struct {
    tp_shape input;
    uint32_t axis_mask;
} tp_mean_f32_params;

tp_status tp_mean_s8(const tp_mean_s8_params *params, const int8_t *input, int8_t *output);
tp_status tp_mean_f32(const tp_mean_f32_params *params, const float *input, float *output);

#ifdef __cplusplus
}
#endif

#endif /* TP_KERNELS_H */
