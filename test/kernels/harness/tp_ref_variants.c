/*
 * The plain kernels that have optimised variants, compiled a second time under *_ref names so
 * one binary can run the variant chosen at build time (dsp/, mve/ or plain) next to the plain
 * reference and compare them bit for bit. The kernel files are included unchanged; only their
 * public names are renamed by the preprocessor (before any header is read, so tp_kernels.h
 * declares the renamed functions too).
 */
#define tp_fully_connected_s8 tp_fully_connected_s8_ref
#define tp_fully_connected_s8_get_scratch_size tp_fully_connected_s8_ref_get_scratch_size
#define tp_conv_2d_s8 tp_conv_2d_s8_ref
#define tp_conv_2d_s8_get_scratch_size tp_conv_2d_s8_ref_get_scratch_size
#define tp_depthwise_conv_2d_s8 tp_depthwise_conv_2d_s8_ref
#define tp_depthwise_conv_2d_s8_get_scratch_size tp_depthwise_conv_2d_s8_ref_get_scratch_size

#include "../../../firmware/kernels/tp_fully_connected_s8.c"
#include "../../../firmware/kernels/tp_conv_2d_s8.c"
#include "../../../firmware/kernels/tp_depthwise_conv_2d_s8.c"
