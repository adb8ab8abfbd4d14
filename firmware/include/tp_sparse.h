/*
 * tinyprune sparse kernels: zero-skipping FULLY_CONNECTED, CONV_2D and DEPTHWISE_CONV_2D on
 * weights stored in a sparse format (src/sparse/formats encodes them; the byte layouts below
 * are the contract between the two).
 *
 * What they compute
 * -----------------
 * Exactly what the dense kernels of tp_kernels.h compute on the same (pruned) weights, byte
 * for byte: int8 kernels requantise with the same TFLM arithmetic (int32 sums are exact in any
 * order); float kernels add the products of the kept weights in the dense kernel's order
 * (columns increasing), each rounded separately (build with -ffp-contract=off). Skipping a
 * zero weight skips adding x * 0 = +-0, which leaves a float sum unchanged for finite inputs
 * (an infinite or NaN input times a pruned weight gives NaN in the dense kernel, not here).
 *
 * The weight matrix
 * -----------------
 * A layer's weights are one matrix: a row per output channel, cols = taps * C_in columns,
 * tap-major (column = tap * C_in + ci, tap = ky * KW + kx). FULLY_CONNECTED: [out, in],
 * taps = 1. CONV_2D: OHWI flattened (groups == 1 only). DEPTHWISE_CONV_2D: row o holds the
 * KH*KW taps of output channel o (the 1HWO filter transposed), cols = taps.
 *
 * int8: the input offset is folded into the bias
 * ---------------------------------------------
 * sum_c w[o][c] * (x[c] + input_offset) = sum_c w[o][c] * x[c] + input_offset * sum_c w[o][c],
 * exactly, in wrap-around int32 arithmetic. So the int8 kernels take a *folded* bias,
 *   bias[o] = original_bias[o] + input_offset * sum_c w[o][c]      (never NULL),
 * and multiply raw int8 inputs (one add less per kept weight; x stays int8 for SMLAD/VMLADAV).
 * Convolution taps outside the input read the input zero point instead (CONV_2D's patch is
 * filled with it; DEPTHWISE substitutes it), and zero_point + input_offset = 0 makes them
 * contribute nothing — as the reference, which skips them.
 *
 * Formats (tp_sparse_matrix fields; all arrays 4-byte aligned; "ptr" is uint16_t when
 * ptr_bytes == 2, uint32_t when 4)
 * ------------------------------------------------------------------------------------------
 *  BITMASK   index: uint8_t[rows * aux] masks, aux = ceil(cols / 8) bytes per row; bit j of
 *            byte k of a row = column 8k + j. values: the non-zeros, row-major.
 *  CSR16     ptr[rows + 1], index: uint16_t column per value, values[nnz].
 *  CSR8      aux = segments of 256 columns per row; ptr[rows * aux + 1] (one range per
 *            segment), index: uint8_t column within the segment, values[nnz].
 *  REL4      ptr[rows + 1] entry ranges; index: uint8_t[], entry e's gap (zeros skipped since
 *            the previous entry of its row) in the low nibble of byte e/2 when e is even, the
 *            high nibble when odd; position = previous + 1 + gap (previous = -1 at a row's
 *            start). Runs of more than 15 zeros use filler entries of value 0 (EIE).
 *  BLOCK1X4 / BLOCK1X16   blocks of 1 row x aux2 (4 or 16) columns at column aux2 * b.
 *            ptr[rows + 1] block ranges; index: block column b (uint8_t when index_bytes == 1,
 *            else uint16_t); values: aux2 per block (zero-padded past the last column).
 *  BLOCK4X1  blocks of 4 rows x 1 column: row groups of 4 (the last padded with zero rows).
 *            ptr[groups + 1], index: column per block (uint8/uint16 as above); values: blocks
 *            in pairs (k, k+1) as [a0 a1 b0 b1 a2 a3 b2 b3] (a, b = rows 0..3 of block k,
 *            k+1), an odd last block as [a0 a1 a2 a3].
 *  BLOCK4X2  blocks of 4 rows x 2 columns (columns 2b, 2b+1): ptr[groups + 1], index: block
 *            column b (uint8/uint16); values per block [r0c0 r1c0 r0c1 r1c1 r2c0 r3c0 r2c1
 *            r3c1] (zero past the last row or column).
 *  NM        N:M along the input (aux = N, aux2 = M in {4, 8}): per row ceil(cols / M)
 *            groups, N values each in increasing column order; index: uint32_t metadata, a
 *            group's positions take N*b bits (b = log2 M, position k at bit k*b), gpw =
 *            32 / (N*b) groups per word, group g at bit (g % gpw)*N*b of word g / gpw, every
 *            row starting a new word.
 *  PATTERN   table: uint32_t[aux] tap masks (table[0] = 0); index: uint8_t pattern id per
 *            (row, ci) kernel; values: per kernel (row-major over (row, ci)), taps increasing.
 *  FILTERLET ptr[rows + 1] filterlet ranges; index: uint8_t tap per filterlet (increasing in
 *            a row); values: C_in weights per filterlet (aux = C_in).
 *  CHANNEL   ptr: uint16_t[aux] kept rows; index: uint16_t[aux2] kept input channels;
 *            values: [aux * taps * aux2] dense over the kept rows, tap-major over the kept
 *            channels. Rows not kept output their requantised bias.
 *
 * Scratch: CONV_2D kernels build one output pixel's input patch (im2col) in scratch; the
 * FULLY_CONNECTED channel kernel gathers the kept inputs there; DEPTHWISE keeps one pixel of
 * padding (C_in values of the zero point, or 0.0f) there, which taps outside the input read.
 * Sizes: tp_sparse_*_scratch below (the code generator computes the same numbers).
 *
 * Everything is C99 and safe to include from C++.
 */
#ifndef TP_SPARSE_H
#define TP_SPARSE_H

#include <stdint.h>

#include "tp_types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    TP_SPARSE_BITMASK = 1,
    TP_SPARSE_CSR8 = 2,
    TP_SPARSE_CSR16 = 3,
    TP_SPARSE_REL4 = 4,
    TP_SPARSE_BLOCK1X4 = 5,
    TP_SPARSE_BLOCK4X1 = 6,
    TP_SPARSE_BLOCK1X16 = 7,
    TP_SPARSE_NM = 8,
    TP_SPARSE_PATTERN = 9,
    TP_SPARSE_FILTERLET = 10,
    TP_SPARSE_CHANNEL = 11,
    TP_SPARSE_BLOCK4X2 = 12
} tp_sparse_format;

/* Depthwise kernels keep one offset per tap on the stack. */
#define TP_SPARSE_MAX_TAPS 64

typedef struct {
    int32_t format;      /* a tp_sparse_format */
    int32_t rows;        /* output channels, >= 1 */
    int32_t cols;        /* taps * C_in, >= 1 */
    int32_t taps;        /* KH * KW (1 for FULLY_CONNECTED) */
    int32_t aux, aux2;   /* format-specific (see above) */
    int32_t index_bytes; /* width of an index entry where the format has a choice */
    int32_t ptr_bytes;   /* 2 or 4 */
    const void *values;  /* int8_t[] (s8 kernels) or float[] (f32 kernels) */
    const void *index;
    const void *ptr;
    const uint32_t *table;
} tp_sparse_matrix;

/* ---- FULLY_CONNECTED: input [batches, cols], output [batches, rows] ---- */
typedef struct {
    int32_t batches;                  /* >= 1 */
    int32_t output_offset;            /* output zero point, [-128, 127] */
    const int32_t *output_multiplier; /* [rows], Q0.31 (per-tensor models repeat the value) */
    const int32_t *output_shift;      /* [rows], [-31, 30] */
    int32_t activation_min, activation_max;
    tp_sparse_matrix weights;         /* taps == 1 */
} tp_sparse_fc_s8_params;

typedef struct {
    int32_t batches;
    float activation_min, activation_max;
    tp_sparse_matrix weights;
} tp_sparse_fc_f32_params;

/* ---- CONV_2D (groups == 1): input [N, H, W, C_in], output [N, OH, OW, C_out] ---- */
typedef struct {
    tp_dims4 input;
    tp_dims4 output;
    int32_t kernel_h, kernel_w;
    int32_t stride_h, stride_w, dilation_h, dilation_w, pad_h, pad_w;
    int32_t input_zero_point; /* [-128, 127]: what padding taps read */
    int32_t output_offset;
    const int32_t *output_multiplier, *output_shift; /* [C_out] */
    int32_t activation_min, activation_max;
    tp_sparse_matrix weights; /* rows = C_out, taps = kernel_h * kernel_w, cols = taps * C_in */
} tp_sparse_conv_s8_params;

typedef struct {
    tp_dims4 input;
    tp_dims4 output;
    int32_t kernel_h, kernel_w;
    int32_t stride_h, stride_w, dilation_h, dilation_w, pad_h, pad_w;
    float activation_min, activation_max;
    tp_sparse_matrix weights;
} tp_sparse_conv_f32_params;

/* ---- DEPTHWISE_CONV_2D: output channel o reads input channel o / depth_multiplier ---- */
typedef struct {
    tp_dims4 input;
    tp_dims4 output; /* C_out = C_in * depth_multiplier */
    int32_t kernel_h, kernel_w; /* kernel_h * kernel_w <= TP_SPARSE_MAX_TAPS */
    int32_t depth_multiplier;
    int32_t stride_h, stride_w, dilation_h, dilation_w, pad_h, pad_w;
    int32_t input_zero_point;
    int32_t output_offset;
    const int32_t *output_multiplier, *output_shift;
    int32_t activation_min, activation_max;
    tp_sparse_matrix weights; /* rows = C_out, taps = cols = kernel_h * kernel_w */
} tp_sparse_dwconv_s8_params;

typedef struct {
    tp_dims4 input;
    tp_dims4 output;
    int32_t kernel_h, kernel_w;
    int32_t depth_multiplier;
    int32_t stride_h, stride_w, dilation_h, dilation_w, pad_h, pad_w;
    float activation_min, activation_max;
    tp_sparse_matrix weights;
} tp_sparse_dwconv_f32_params;

/* Scratch bytes: FULLY_CONNECTED (channel format: the gathered inputs), CONV_2D (one pixel's
 * patch: taps * C_in values, or taps * kept channels for the channel format), DEPTHWISE (one
 * padding pixel: C_in values). */
static inline int32_t tp_sparse_fc_scratch(const tp_sparse_matrix *w, int32_t elem_bytes) {
    return w->format == TP_SPARSE_CHANNEL ? w->aux2 * elem_bytes : 0;
}
static inline int32_t tp_sparse_conv_scratch(const tp_sparse_matrix *w, int32_t elem_bytes) {
    return (w->format == TP_SPARSE_CHANNEL ? w->taps * w->aux2 : w->cols) * elem_bytes;
}
static inline int32_t tp_sparse_dw_scratch(int32_t input_channels, int32_t elem_bytes) {
    return input_channels * elem_bytes;
}

/* Every kernel: checks its arguments (TP_ERR_* as in tp_types.h, plus TP_ERR_PARAM when the
 * matrix is not in the kernel's format or disagrees with the shapes), then runs. int8 bias is
 * the folded bias (see above) and required; float bias may be NULL. */
tp_status tp_fully_connected_s8_bitmask(const tp_sparse_fc_s8_params *params,
                                        const int8_t *input, const int32_t *bias,
                                        int8_t *output, void *scratch);
tp_status tp_fully_connected_s8_csr8(const tp_sparse_fc_s8_params *params, const int8_t *input,
                                     const int32_t *bias, int8_t *output, void *scratch);
tp_status tp_fully_connected_s8_csr16(const tp_sparse_fc_s8_params *params, const int8_t *input,
                                      const int32_t *bias, int8_t *output, void *scratch);
tp_status tp_fully_connected_s8_rel4(const tp_sparse_fc_s8_params *params, const int8_t *input,
                                     const int32_t *bias, int8_t *output, void *scratch);
tp_status tp_fully_connected_s8_block1x4(const tp_sparse_fc_s8_params *params,
                                         const int8_t *input, const int32_t *bias,
                                         int8_t *output, void *scratch);
tp_status tp_fully_connected_s8_block4x1(const tp_sparse_fc_s8_params *params,
                                         const int8_t *input, const int32_t *bias,
                                         int8_t *output, void *scratch);
tp_status tp_fully_connected_s8_block4x2(const tp_sparse_fc_s8_params *params,
                                         const int8_t *input, const int32_t *bias,
                                         int8_t *output, void *scratch);
tp_status tp_fully_connected_s8_block1x16(const tp_sparse_fc_s8_params *params,
                                          const int8_t *input, const int32_t *bias,
                                          int8_t *output, void *scratch);
tp_status tp_fully_connected_s8_nm(const tp_sparse_fc_s8_params *params, const int8_t *input,
                                   const int32_t *bias, int8_t *output, void *scratch);
tp_status tp_fully_connected_s8_channel(const tp_sparse_fc_s8_params *params,
                                        const int8_t *input, const int32_t *bias,
                                        int8_t *output, void *scratch);

tp_status tp_fully_connected_f32_bitmask(const tp_sparse_fc_f32_params *params,
                                         const float *input, const float *bias, float *output,
                                         void *scratch);
tp_status tp_fully_connected_f32_csr8(const tp_sparse_fc_f32_params *params, const float *input,
                                      const float *bias, float *output, void *scratch);
tp_status tp_fully_connected_f32_csr16(const tp_sparse_fc_f32_params *params,
                                       const float *input, const float *bias, float *output,
                                       void *scratch);
tp_status tp_fully_connected_f32_rel4(const tp_sparse_fc_f32_params *params, const float *input,
                                      const float *bias, float *output, void *scratch);
tp_status tp_fully_connected_f32_block1x4(const tp_sparse_fc_f32_params *params,
                                          const float *input, const float *bias, float *output,
                                          void *scratch);
tp_status tp_fully_connected_f32_block4x1(const tp_sparse_fc_f32_params *params,
                                          const float *input, const float *bias, float *output,
                                          void *scratch);
tp_status tp_fully_connected_f32_block4x2(const tp_sparse_fc_f32_params *params,
                                          const float *input, const float *bias, float *output,
                                          void *scratch);
tp_status tp_fully_connected_f32_block1x16(const tp_sparse_fc_f32_params *params,
                                           const float *input, const float *bias, float *output,
                                           void *scratch);
tp_status tp_fully_connected_f32_nm(const tp_sparse_fc_f32_params *params, const float *input,
                                    const float *bias, float *output, void *scratch);
tp_status tp_fully_connected_f32_channel(const tp_sparse_fc_f32_params *params,
                                         const float *input, const float *bias, float *output,
                                         void *scratch);

tp_status tp_conv_2d_s8_bitmask(const tp_sparse_conv_s8_params *params, const int8_t *input,
                                const int32_t *bias, int8_t *output, void *scratch);
tp_status tp_conv_2d_s8_csr8(const tp_sparse_conv_s8_params *params, const int8_t *input,
                             const int32_t *bias, int8_t *output, void *scratch);
tp_status tp_conv_2d_s8_csr16(const tp_sparse_conv_s8_params *params, const int8_t *input,
                              const int32_t *bias, int8_t *output, void *scratch);
tp_status tp_conv_2d_s8_rel4(const tp_sparse_conv_s8_params *params, const int8_t *input,
                             const int32_t *bias, int8_t *output, void *scratch);
tp_status tp_conv_2d_s8_block1x4(const tp_sparse_conv_s8_params *params, const int8_t *input,
                                 const int32_t *bias, int8_t *output, void *scratch);
tp_status tp_conv_2d_s8_block4x1(const tp_sparse_conv_s8_params *params, const int8_t *input,
                                 const int32_t *bias, int8_t *output, void *scratch);
tp_status tp_conv_2d_s8_block4x2(const tp_sparse_conv_s8_params *params, const int8_t *input,
                                 const int32_t *bias, int8_t *output, void *scratch);
tp_status tp_conv_2d_s8_block1x16(const tp_sparse_conv_s8_params *params, const int8_t *input,
                                  const int32_t *bias, int8_t *output, void *scratch);
tp_status tp_conv_2d_s8_nm(const tp_sparse_conv_s8_params *params, const int8_t *input,
                           const int32_t *bias, int8_t *output, void *scratch);
tp_status tp_conv_2d_s8_pattern(const tp_sparse_conv_s8_params *params, const int8_t *input,
                                const int32_t *bias, int8_t *output, void *scratch);
tp_status tp_conv_2d_s8_filterlet(const tp_sparse_conv_s8_params *params, const int8_t *input,
                                  const int32_t *bias, int8_t *output, void *scratch);
tp_status tp_conv_2d_s8_channel(const tp_sparse_conv_s8_params *params, const int8_t *input,
                                const int32_t *bias, int8_t *output, void *scratch);

tp_status tp_conv_2d_f32_bitmask(const tp_sparse_conv_f32_params *params, const float *input,
                                 const float *bias, float *output, void *scratch);
tp_status tp_conv_2d_f32_csr8(const tp_sparse_conv_f32_params *params, const float *input,
                              const float *bias, float *output, void *scratch);
tp_status tp_conv_2d_f32_csr16(const tp_sparse_conv_f32_params *params, const float *input,
                               const float *bias, float *output, void *scratch);
tp_status tp_conv_2d_f32_rel4(const tp_sparse_conv_f32_params *params, const float *input,
                              const float *bias, float *output, void *scratch);
tp_status tp_conv_2d_f32_block1x4(const tp_sparse_conv_f32_params *params, const float *input,
                                  const float *bias, float *output, void *scratch);
tp_status tp_conv_2d_f32_block4x1(const tp_sparse_conv_f32_params *params, const float *input,
                                  const float *bias, float *output, void *scratch);
tp_status tp_conv_2d_f32_block4x2(const tp_sparse_conv_f32_params *params, const float *input,
                                  const float *bias, float *output, void *scratch);
tp_status tp_conv_2d_f32_block1x16(const tp_sparse_conv_f32_params *params, const float *input,
                                   const float *bias, float *output, void *scratch);
tp_status tp_conv_2d_f32_nm(const tp_sparse_conv_f32_params *params, const float *input,
                            const float *bias, float *output, void *scratch);
tp_status tp_conv_2d_f32_filterlet(const tp_sparse_conv_f32_params *params, const float *input,
                                   const float *bias, float *output, void *scratch);
tp_status tp_conv_2d_f32_channel(const tp_sparse_conv_f32_params *params, const float *input,
                                 const float *bias, float *output, void *scratch);

tp_status tp_depthwise_conv_2d_s8_bitmask(const tp_sparse_dwconv_s8_params *params,
                                          const int8_t *input, const int32_t *bias,
                                          int8_t *output, void *scratch);
tp_status tp_depthwise_conv_2d_s8_csr8(const tp_sparse_dwconv_s8_params *params,
                                       const int8_t *input, const int32_t *bias, int8_t *output,
                                       void *scratch);
tp_status tp_depthwise_conv_2d_s8_pattern(const tp_sparse_dwconv_s8_params *params,
                                          const int8_t *input, const int32_t *bias,
                                          int8_t *output, void *scratch);
tp_status tp_depthwise_conv_2d_s8_channel(const tp_sparse_dwconv_s8_params *params,
                                          const int8_t *input, const int32_t *bias,
                                          int8_t *output, void *scratch);

tp_status tp_depthwise_conv_2d_f32_bitmask(const tp_sparse_dwconv_f32_params *params,
                                           const float *input, const float *bias, float *output,
                                           void *scratch);
tp_status tp_depthwise_conv_2d_f32_csr8(const tp_sparse_dwconv_f32_params *params,
                                        const float *input, const float *bias, float *output,
                                        void *scratch);
tp_status tp_depthwise_conv_2d_f32_pattern(const tp_sparse_dwconv_f32_params *params,
                                           const float *input, const float *bias, float *output,
                                           void *scratch);
tp_status tp_depthwise_conv_2d_f32_channel(const tp_sparse_dwconv_f32_params *params,
                                           const float *input, const float *bias, float *output,
                                           void *scratch);

#ifdef __cplusplus
}
#endif

#endif /* TP_SPARSE_H */
