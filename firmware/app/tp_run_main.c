/*
 * The run/benchmark application for generated models on a board or in QEMU.
 *
 * Protocol on the console UART (host side: src/run/): the firmware prints "tp-ready <n>\n"
 * where n is the total input bytes, then reads the raw input bytes twice (one copy per
 * inference: the arena is reused, so the first inference overwrites its input). It runs
 *   1. one inference with a layer hook that calls tp_mark() before each layer and at the end
 *      (per-layer instruction counts in QEMU, cycles on real boards), then
 *   2. one inference bracketed by two tp_mark() calls (the total, without hook overhead),
 * and prints the outputs as hex ("tp-out <k> <hex>"), the timer ticks of both, the stack
 * high-water mark, and "tp-done". It exits with 0, or 3 when an operator fails.
 */
#include <stdint.h>

#include "tp_app_model.h"
#include "tp_platform.h"

static uint64_t layer_ticks[TP_M_NUM_LAYERS + 1];

static void layer_hook(int32_t layer, void *user) {
    (void)user;
    tp_mark((uint32_t)(0x100 + layer));
    if (layer >= 0 && layer <= TP_M_NUM_LAYERS) layer_ticks[layer] = tp_timer_now();
}

/* Everything below runs outside the measured spans (the layer hook above is inside the
 * per-layer ones, so it keeps -O2): compiled for size (issue #14, flash: -110 to -160 B). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("Os")
#endif

static void read_inputs(void) {
    int32_t i;
    for (i = 0; i < TP_M_NUM_INPUTS; i++) {
        uint8_t *p = (uint8_t *)TP_M(input)(i);
        size_t n = TP_M(input_bytes)(i);
        size_t k;
        for (k = 0; k < n; k++) p[k] = (uint8_t)tp_uart_getc();
    }
}

static void put_hex_bytes(const uint8_t *p, size_t n) {
    static const char digits[] = "0123456789abcdef";
    size_t k;
    for (k = 0; k < n; k++) {
        tp_uart_putc(digits[p[k] >> 4]);
        tp_uart_putc(digits[p[k] & 15]);
    }
}

static void fail(const char *what, int rc) {
    tp_puts("tp-error ");
    tp_puts(what);
    tp_puts(" operator ");
    tp_put_i32((rc >> 8) - 1);
    tp_puts(" status ");
    tp_put_i32(rc & 0xff);
    tp_puts("\n");
    tp_uart_flush();
    tp_exit(3);
}

int main(void) {
    size_t total_in = 0;
    int32_t i;
    int rc;
    uint64_t t0, t1;

    tp_timer_init();
    for (i = 0; i < TP_M_NUM_INPUTS; i++) total_in += TP_M(input_bytes)(i);
    if (TP_M(init)() != 0) fail("init", 0);
    tp_puts("tp-ready ");
    tp_put_u32((uint32_t)total_in);
    tp_puts("\n");

    /* 1. per-layer profile */
    read_inputs();
    TP_M(set_layer_hook)(layer_hook, 0);
    rc = TP_M(invoke)();
    TP_M(set_layer_hook)(0, 0);
    if (rc != 0) fail("invoke", rc);

    /* 2. the whole inference, no hook */
    read_inputs();
    tp_mark(1);
    t0 = tp_timer_now();
    rc = TP_M(invoke)();
    t1 = tp_timer_now();
    tp_mark(2);
    if (rc != 0) fail("invoke", rc);

    for (i = 0; i < TP_M_NUM_OUTPUTS; i++) {
        tp_puts("tp-out ");
        tp_put_u32((uint32_t)i);
        tp_puts(" ");
        put_hex_bytes((const uint8_t *)TP_M(output)(i), TP_M(output_bytes)(i));
        tp_puts("\n");
    }
    tp_puts("tp-timer ");
    tp_puts(tp_timer_source());
    tp_puts(" ");
    tp_put_u32((uint32_t)tp_timer_hz());
    tp_puts(" ");
    tp_put_u32((uint32_t)(t1 - t0));
    tp_puts("\n");
    tp_puts("tp-layer-ticks");
    for (i = 0; i < TP_M_NUM_LAYERS; i++) {
        tp_puts(" ");
        tp_put_u32((uint32_t)(layer_ticks[i + 1] - layer_ticks[i]));
    }
    tp_puts("\n");
    tp_puts("tp-stack ");
    tp_put_u32(tp_stack_high_water());
    tp_puts("\n");
    tp_puts("tp-done\n");
    tp_uart_flush();
    tp_exit(0);
}
