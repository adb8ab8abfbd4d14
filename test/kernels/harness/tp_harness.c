/*
 * Kernel test harness: output, PRNG, case memory, record emission and main() for the host
 * build (stdio, argv picks the mode) and the firmware build (TP_HARNESS_DEVICE: UART output,
 * device mode, exit code through the platform layer). See tp_harness.h.
 */
#include "tp_harness.h"

#include <string.h>

#ifdef TP_HARNESS_DEVICE
#include "tp_platform.h"
#else
#include <stdio.h>
#include <stdlib.h>
#endif

int h_mode = H_MODE_HASH;
uint32_t h_variant_mismatches = 0;
uint32_t h_cases_run = 0;

/* ---------------------------------------------------------------- output */

void h_write(const char *s, size_t n) {
#ifdef TP_HARNESS_DEVICE
    tp_uart_write(s, n);
#else
    fwrite(s, 1, n, stdout);
#endif
}

void h_puts(const char *s) { h_write(s, strlen(s)); }

void h_put_u32(uint32_t v) {
    char buf[11];
    int i = 10;
    buf[i] = 0;
    do {
        buf[--i] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0);
    h_puts(buf + i);
}

void h_put_i32(int32_t v) {
    if (v < 0) {
        h_puts("-");
        h_put_u32(0u - (uint32_t)v);
    } else {
        h_put_u32((uint32_t)v);
    }
}

void h_put_hex(const void *data, size_t n) {
    static const char digits[] = "0123456789abcdef";
    const uint8_t *p = (const uint8_t *)data;
    char buf[64];
    size_t i, k = 0;
    for (i = 0; i < n; ++i) {
        buf[k++] = digits[p[i] >> 4];
        buf[k++] = digits[p[i] & 15];
        if (k == sizeof buf) {
            h_write(buf, k);
            k = 0;
        }
    }
    if (k) h_write(buf, k);
}

/* ---------------------------------------------------------------- PRNG */

void h_seed(h_rng *r, uint32_t seed) {
    /* splitmix32 step so that nearby seeds give unrelated streams; never 0 for xorshift. */
    uint32_t z = seed + 0x9E3779B9u;
    z = (z ^ (z >> 16)) * 0x85EBCA6Bu;
    z = (z ^ (z >> 13)) * 0xC2B2AE35u;
    z ^= z >> 16;
    r->s = z ? z : 0x6C8E9CF5u;
}

uint32_t h_next(h_rng *r) {
    uint32_t x = r->s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    r->s = x;
    return x;
}

int32_t h_range(h_rng *r, int32_t lo, int32_t hi) {
    const uint32_t span = (uint32_t)(hi - lo) + 1u;
    if (span == 0) return (int32_t)h_next(r); /* full int32 range */
    return lo + (int32_t)(h_next(r) % span);
}

int h_chance(h_rng *r, int percent) { return (int)(h_next(r) % 100u) < percent; }

/* ---------------------------------------------------------------- case memory */

static void h_fail(const char *what) {
    h_puts("\nharness error: ");
    h_puts(what);
    h_puts("\n");
#ifdef TP_HARNESS_DEVICE
    tp_exit(3);
#else
    fflush(stdout);
    exit(3);
#endif
}

#ifdef TP_HARNESS_DEVICE

/* Firmware: one static pool, reset per case. */
#ifndef TP_HARNESS_POOL_BYTES
#define TP_HARNESS_POOL_BYTES (300u * 1024u)
#endif
static uint64_t g_pool[TP_HARNESS_POOL_BYTES / 8];
static size_t g_pool_used;

void *h_alloc(size_t bytes) {
    const size_t rounded = (bytes + 7u) & ~(size_t)7u;
    void *p;
    if (rounded > sizeof g_pool - g_pool_used) h_fail("case memory pool exhausted");
    p = (uint8_t *)g_pool + g_pool_used;
    g_pool_used += rounded;
    return p;
}

void h_pool_reset(void) { g_pool_used = 0; }

#else

/* Host: every buffer is its own malloc of the exact size, so AddressSanitizer catches a
 * kernel that reads or writes even one byte outside a tensor. */
#define H_MAX_ALLOCS 64
static void *g_allocs[H_MAX_ALLOCS];
static int g_nallocs;

void *h_alloc(size_t bytes) {
    void *p;
    if (g_nallocs == H_MAX_ALLOCS) h_fail("too many buffers in one case");
    p = malloc(bytes ? bytes : 1);
    if (!p) h_fail("out of memory");
    g_allocs[g_nallocs++] = p;
    return p;
}

void h_pool_reset(void) {
    while (g_nallocs > 0) free(g_allocs[--g_nallocs]);
}

#endif

/* ---------------------------------------------------------------- records */

static int g_first_key;
static int g_in_inputs; /* 0 while writing "params", 1 once "inputs" is open */

uint32_t h_fnv1a(const void *data, size_t n, uint32_t h) {
    const uint8_t *p = (const uint8_t *)data;
    size_t i;
    for (i = 0; i < n; ++i) {
        h ^= p[i];
        h *= 16777619u;
    }
    return h;
}

static const char *g_kernel;
static int32_t g_index;

static void key(const char *k) {
    h_puts(g_first_key ? "\"" : ",\"");
    g_first_key = 0;
    h_puts(k);
    h_puts("\":");
}

void h_rec_begin(const char *kernel, int32_t index) {
    g_kernel = kernel;
    g_index = index;
    ++h_cases_run;
    if (h_mode != H_MODE_DUMP) return;
    h_puts("{\"kernel\":\"");
    h_puts(kernel);
    h_puts("\",\"case\":");
    h_put_i32(index);
    h_puts(",\"params\":{");
    g_first_key = 1;
    g_in_inputs = 0;
}

void h_p_int(const char *k, int32_t v) {
    if (h_mode != H_MODE_DUMP) return;
    key(k);
    h_put_i32(v);
}

void h_p_f32(const char *k, float v) {
    uint32_t bits;
    if (h_mode != H_MODE_DUMP) return;
    memcpy(&bits, &v, 4);
    key(k);
    h_puts("{\"f32\":");
    h_put_u32(bits);
    h_puts("}");
}

void h_p_dims4(const char *k, const tp_dims4 *d) {
    if (h_mode != H_MODE_DUMP) return;
    key(k);
    h_puts("[");
    h_put_i32(d->n);
    h_puts(",");
    h_put_i32(d->h);
    h_puts(",");
    h_put_i32(d->w);
    h_puts(",");
    h_put_i32(d->c);
    h_puts("]");
}

void h_p_shape(const char *k, const tp_shape *s) {
    h_p_i32s(k, s->dims, s->rank);
}

void h_p_i32s(const char *k, const int32_t *a, int32_t n) {
    int32_t i;
    if (h_mode != H_MODE_DUMP) return;
    key(k);
    h_puts("[");
    for (i = 0; i < n; ++i) {
        if (i) h_puts(",");
        h_put_i32(a[i]);
    }
    h_puts("]");
}

void h_in(const char *k, const void *data, size_t bytes) {
    if (h_mode != H_MODE_DUMP) return;
    if (!g_in_inputs) {
        /* The first input closes "params" and opens "inputs". */
        h_puts("},\"inputs\":{");
        g_first_key = 1;
        g_in_inputs = 1;
    }
    key(k);
    h_puts("\"");
    if (data) h_put_hex(data, bytes);
    h_puts("\"");
}

void h_rec_end(tp_status st, const void *out, size_t bytes) {
    if (h_mode == H_MODE_DUMP) {
        if (!g_in_inputs) h_puts("},\"inputs\":{");
        h_puts("},\"status\":");
        h_put_i32((int32_t)st);
        h_puts(",\"output\":\"");
        h_put_hex(out, bytes);
        h_puts("\"}\n");
    } else {
        h_puts(g_kernel);
        h_puts(" ");
        h_put_i32(g_index);
        h_puts(" ");
        h_put_i32((int32_t)st);
        h_puts(" ");
        h_put_u32(h_fnv1a(out, bytes, 2166136261u));
        h_puts("\n");
        if (h_mode == H_MODE_DEVICE && strcmp(g_kernel, "softmax_f32") == 0) {
            /* expf differs between newlib and glibc in the last bit: print the values so the
             * host can compare them within 1 ulp instead of by hash. */
            h_puts("@out ");
            h_puts(g_kernel);
            h_puts(" ");
            h_put_i32(g_index);
            h_puts(" ");
            h_put_hex(out, bytes);
            h_puts("\n");
        }
    }
}

void h_variant_check(const char *kernel, int32_t index, tp_status st_variant,
                     const void *out_variant, tp_status st_ref, const void *out_ref,
                     size_t bytes) {
    if (st_variant == st_ref && memcmp(out_variant, out_ref, bytes) == 0) return;
    ++h_variant_mismatches;
    h_puts("MISMATCH ");
    h_puts(kernel);
    h_puts(" ");
    h_put_i32(index);
    h_puts(" status ");
    h_put_i32((int32_t)st_variant);
    h_puts(" vs ref ");
    h_put_i32((int32_t)st_ref);
    h_puts("\n");
}

/* ---------------------------------------------------------------- main */

#ifndef TP_HARNESS_SEED
#define TP_HARNESS_SEED 20240611u
#endif

#ifdef TP_HARNESS_DEVICE

void h_run_icount(void); /* tp_harness_cases.c */

int main(void) {
    uint32_t self;
    h_mode = H_MODE_DEVICE;
    h_puts("@harness begin\n");
    self = h_selftest();
    h_run_all_cases(TP_HARNESS_SEED);
    h_run_icount();
    h_puts("@harness cases ");
    h_put_u32(h_cases_run);
    h_puts(" mismatches ");
    h_put_u32(h_variant_mismatches);
    h_puts(" selftest_failures ");
    h_put_u32(self);
    h_puts("\n@harness end\n");
    tp_uart_flush();
    return (h_variant_mismatches != 0 || self != 0) ? 1 : 0;
}

#else

int main(int argc, char **argv) {
    uint32_t seed = TP_HARNESS_SEED;
    uint32_t self;
    if (argc < 2 || (strcmp(argv[1], "dump") != 0 && strcmp(argv[1], "hash") != 0)) {
        fprintf(stderr, "usage: %s dump|hash [seed]\n", argv[0]);
        return 2;
    }
    h_mode = strcmp(argv[1], "dump") == 0 ? H_MODE_DUMP : H_MODE_HASH;
    if (argc >= 3) seed = (uint32_t)strtoul(argv[2], NULL, 10);
    self = h_selftest();
    h_run_all_cases(seed);
    if (h_mode == H_MODE_HASH) {
        printf("@harness cases %u mismatches %u selftest_failures %u\n", (unsigned)h_cases_run,
               (unsigned)h_variant_mismatches, (unsigned)self);
    }
    fflush(stdout);
    return (h_variant_mismatches != 0 || self != 0) ? 1 : 0;
}

#endif
