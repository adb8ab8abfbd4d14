/*
 * Kernel test harness (host and firmware): seeded random cases for every runtime kernel.
 *
 * Modes
 *   dump    (host) one JSON line per case: kernel, params, inputs and output as hex — the
 *           vitest differential test runs the TypeScript reference kernels on the same data;
 *   hash    (host) one line per case: "<kernel> <case> <status> <fnv1a of output>";
 *   device  (firmware) the hash lines, plus a bit-exact comparison of the linked kernel
 *           variant (plain, dsp or mve) against the plain reference kernel compiled in under a
 *           _ref name (tp_ref_variants.c), plus instruction-count marks around FC 784->300.
 * The same seed gives the same cases on every platform, so host and firmware hashes of the
 * plain kernels must be equal too.
 */
#ifndef TP_HARNESS_H
#define TP_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "tp_kernels.h"

/* ---- output (host: stdout; device: UART) ---- */
void h_write(const char *s, size_t n);
void h_puts(const char *s);
void h_put_i32(int32_t v);
void h_put_u32(uint32_t v);
void h_put_hex(const void *data, size_t n);

/* ---- deterministic PRNG (xorshift32 seeded through splitmix) ---- */
typedef struct {
    uint32_t s;
} h_rng;
void h_seed(h_rng *r, uint32_t seed);
uint32_t h_next(h_rng *r);
int32_t h_range(h_rng *r, int32_t lo, int32_t hi); /* inclusive */
int h_chance(h_rng *r, int percent);

/* ---- scratch memory for a case (bump allocator, reset per case) ---- */
void *h_alloc(size_t bytes); /* 8-byte aligned; aborts the run when the pool is exhausted */
void h_pool_reset(void);

/* ---- records ---- */
enum { H_MODE_DUMP = 0, H_MODE_HASH = 1, H_MODE_DEVICE = 2 };
extern int h_mode;
extern uint32_t h_variant_mismatches;
extern uint32_t h_cases_run;

void h_rec_begin(const char *kernel, int32_t index);
void h_p_int(const char *key, int32_t v);
void h_p_f32(const char *key, float v);
void h_p_dims4(const char *key, const tp_dims4 *d);
void h_p_shape(const char *key, const tp_shape *s);
void h_p_i32s(const char *key, const int32_t *a, int32_t n);
void h_in(const char *key, const void *data, size_t bytes);
void h_rec_end(tp_status st, const void *out, size_t bytes);

/* Compares the linked variant's result with the plain reference's (status and bytes); counts
 * and reports a mismatch. */
void h_variant_check(const char *kernel, int32_t index, tp_status st_variant,
                     const void *out_variant, tp_status st_ref, const void *out_ref,
                     size_t bytes);

uint32_t h_fnv1a(const void *data, size_t n, uint32_t h);

/* ---- the cases (tp_harness_cases.c) ---- */
void h_run_all_cases(uint32_t seed);
/* Argument-check tests: every kernel rejects NULLs and bad shapes with the right status.
 * Returns the number of failed checks. */
uint32_t h_selftest(void);

/* ---- plain reference copies of the kernels that have optimised variants ---- */
tp_status tp_fully_connected_s8_ref(const tp_fc_s8_params *params, const int8_t *input,
                                    const int8_t *filter, const int32_t *bias, int8_t *output,
                                    void *scratch);
int32_t tp_fully_connected_s8_ref_get_scratch_size(const tp_fc_s8_params *params);
tp_status tp_conv_2d_s8_ref(const tp_conv_s8_params *params, const int8_t *input,
                            const int8_t *filter, const int32_t *bias, int8_t *output,
                            void *scratch);
int32_t tp_conv_2d_s8_ref_get_scratch_size(const tp_conv_s8_params *params);
tp_status tp_depthwise_conv_2d_s8_ref(const tp_dwconv_s8_params *params, const int8_t *input,
                                      const int8_t *filter, const int32_t *bias,
                                      int8_t *output, void *scratch);
int32_t tp_depthwise_conv_2d_s8_ref_get_scratch_size(const tp_dwconv_s8_params *params);

#endif /* TP_HARNESS_H */
