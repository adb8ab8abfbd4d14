/*
 * The benchmark application for generated models: on a real board over its serial port, and
 * in QEMU over a pseudo-terminal (-serial pty) - the same protocol, the same host code
 * (src/device/protocol.ts).
 *
 * The protocol is the MLPerf Tiny / EEMBC runner's: a command is text ending with '%'
 * (tokens separated by spaces; CR/LF ignored), every reply line starts with "m-" (message) or
 * "e-" (error) and ends with CR LF, and every command - even an empty or unknown one - ends
 * with exactly one "m-ready" line, so the host always knows when the board listens again.
 *
 *   name%              m-name-dut-[tinyprune]
 *   profile%           m-profile-[...], m-model-[<prefix>], m-tp-sources-sha256-<hex>
 *   timestamp%         m-lap-us-<microseconds since boot>
 *   db load N%         m-[Expecting N bytes]       (N = 1 .. the model's total input bytes)
 *   db <hex>%          appends bytes; m-load-done once N bytes have arrived
 *   db print%          m-buffer-xx-xx-... (8 bytes a line)
 *   infer N W%         W warm-up inferences, then N timed ones on the loaded bytes:
 *                      m-warmup-start-W, m-warmup-done, m-infer-start-N, m-lap-us-<t0>,
 *                      m-lap-us-<t1>, m-infer-done, then the results (below)
 *   results%           m-results-[v,...] (int8: the quantized values; float: 3 decimals),
 *                      and the exact bytes: m-tp-out-<k>-<hex>
 * Extensions (tinyprune):
 *   ping <nonce>%      m-pong-<nonce>: the handshake (QEMU drops output until the host opens
 *                      the pty, so the host repeats pings and syncs on a fresh nonce)
 *   tp-info%           model identity (hash of the generated sources), sizes, timer, board
 *   tp-layers%         one inference with a per-layer hook: m-tp-layers-[ticks,...],
 *                      m-tp-arena-used-<bytes>, m-tp-stack-used-<bytes>
 * and after the timed inferences of infer%: m-tp-ticks-<sum>-<min>-<max>.
 *
 * Counting. Each timed inference is bracketed by tp_mark(1) / tp_mark(2) and each layer of
 * tp-layers% by the hook's tp_mark(0x100 + layer), exactly as in tp_run_main.c, so the QEMU
 * instruction-count plugin gives the host the same numbers as `tinyprune run`. The ticks the
 * firmware prints itself are DWT cycles on real cores, SysTick ticks otherwise.
 *
 * The firmware never exits: the host ends a QEMU session by stopping QEMU, and a board keeps
 * listening. Inputs are kept in a buffer of their own (the arena is reused by the inference,
 * so its input tensors are overwritten) and copied in before every inference.
 */
#include <stdint.h>
#include <string.h>

#include "tp_app_model.h"
#include "tp_board.h"
#include "tp_platform.h"

/* Set by the build (src/build/build.ts): the identity the host checks, and the size of the
 * input buffer (all inputs concatenated, in input order). */
#ifndef TP_BENCH_SOURCES_SHA256
#define TP_BENCH_SOURCES_SHA256 "unknown"
#endif
#ifndef TP_BENCH_MODEL_NAME
#define TP_BENCH_MODEL_NAME "tinyprune"
#endif
#ifndef TP_BENCH_INPUT_BYTES
#error "TP_BENCH_INPUT_BYTES must be defined (the model's total input bytes)"
#endif

/* Longer than EEMBC's 80 so a host may send bigger db chunks; EEMBC's own runner stays below. */
#define BENCH_CMD_MAX 512u
#define BENCH_MAX_TOKENS 4
#define BENCH_ARENA_PAINT 0xA5C3E1F7u

#define REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))
#define SYST_CVR REG32(0xE000E018u)

extern uint32_t __tp_arena_start;
extern uint32_t __tp_arena_end;

static uint8_t db_buf[TP_BENCH_INPUT_BYTES];
static uint32_t db_size;   /* announced by "db load N" */
static uint32_t db_pos;    /* bytes received so far */

static char cmd_buf[BENCH_CMD_MAX + 1u];

/* Keeps timestamp% monotonic across timer_rebase() (see there). */
static uint64_t ts_offset;

/* ---- output helpers ---------------------------------------------------------------------- */

static void put_u64(uint64_t v) {
    char buf[20];
    int n = 0;
    do {
        buf[n++] = (char)('0' + (int)(v % 10u));
        v /= 10u;
    } while (v != 0u);
    while (n > 0) tp_uart_putc(buf[--n]);
}

static void put_hex_bytes(const uint8_t *p, size_t n) {
    static const char digits[] = "0123456789abcdef";
    size_t k;
    for (k = 0; k < n; k++) {
        tp_uart_putc(digits[p[k] >> 4]);
        tp_uart_putc(digits[p[k] & 15]);
    }
}

static void end_line(void) { tp_puts("\r\n"); }

static void msg(const char *text) {
    tp_puts(text);
    end_line();
}

static void error2(const char *what, const char *detail) {
    tp_puts("e-[");
    tp_puts(what);
    tp_puts(detail);
    tp_puts("]");
    end_line();
}

/* A float with three decimals, enough for m-results (the exact bytes follow in m-tp-out). */
static void put_float3(float f) {
    uint32_t whole, frac;
    if (f != f) {
        tp_puts("nan");
        return;
    }
    if (f < 0.0f) {
        tp_uart_putc('-');
        f = -f;
    }
    if (f >= 4294967040.0f) {
        tp_puts("inf");
        return;
    }
    whole = (uint32_t)f;
    frac = (uint32_t)((f - (float)whole) * 1000.0f + 0.5f);
    if (frac >= 1000u) {
        whole += 1u;
        frac -= 1000u;
    }
    tp_put_u32(whole);
    tp_uart_putc('.');
    tp_uart_putc((char)('0' + (int)(frac / 100u)));
    tp_uart_putc((char)('0' + (int)(frac / 10u % 10u)));
    tp_uart_putc((char)('0' + (int)(frac % 10u)));
}

/* ---- timer ------------------------------------------------------------------------------- */

static uint64_t ticks_to_us(uint64_t ticks) {
    uint32_t hz = tp_timer_hz();
    return hz == 0u ? 0u : (ticks / hz) * 1000000u + (ticks % hz) * 1000000u / hz;
}

/*
 * Why: with SysTick (QEMU, Cortex-M0/M0+) the 64-bit count is kept by a wrap interrupt every
 * 2^24 ticks, and the host may leave the firmware idle for an arbitrary time between commands
 * (it busy-polls the UART, so time passes). A wrap landing inside a measured inference would
 * add the handler's instructions to it, so the count would depend on host timing. Restarting
 * the 24-bit period right before measuring puts the next wrap 2^24 ticks away (671 M
 * instructions in QEMU on MPS2), beyond any inference we run. Writing CVR is what
 * tp_timer_init() itself does; the offset keeps timestamp% monotonic. DWT needs none of it.
 */
static void timer_rebase(void) {
#if !TP_TIMER_DWT
    uint64_t before = tp_timer_now();
    SYST_CVR = 0u;
    ts_offset += before - tp_timer_now();
#endif
}

/* ---- the model ----------------------------------------------------------------------------- */

static void load_inputs(void) {
    uint32_t off = 0;
    int32_t i;
    for (i = 0; i < TP_M_NUM_INPUTS; i++) {
        size_t n = TP_M(input_bytes)(i);
        memcpy(TP_M(input)(i), &db_buf[off], n);
        off += (uint32_t)n;
    }
}

static void report_invoke_error(int rc) {
    tp_puts("e-[invoke failed: operator ");
    tp_put_i32((rc >> 8) - 1);
    tp_puts(" status ");
    tp_put_i32(rc & 0xff);
    tp_puts("]");
    end_line();
}

/* The same hook as tp_run_main.c, instruction for instruction: per-layer counts in QEMU are
 * the differences of consecutive marks and must equal `tinyprune run`'s. */
static uint64_t layer_ticks[TP_M_NUM_LAYERS + 1];

static void layer_hook(int32_t layer, void *user) {
    (void)user;
    tp_mark((uint32_t)(0x100 + layer));
    if (layer >= 0 && layer <= TP_M_NUM_LAYERS) layer_ticks[layer] = tp_timer_now();
}

/* One timed inference, bracketed like tp_run_main.c's clean run: mark, timer, invoke, timer,
 * mark. The instructions between the two marks must be the ones there (bench's QEMU counts
 * must equal `tinyprune run`'s; test/device checks it on several cores). tp_run_main.c only
 * uses the low 32 bits of each timer read, so one register is kept per read; and the two
 * stores through pointers come after the second mark, where the compiler must leave them
 * (tp_mark could read that memory), so no arithmetic lands between the marks. Out of line so
 * the caller does not change this code. */
static __attribute__((noinline)) int timed_invoke(uint32_t *start, uint32_t *end) {
    uint64_t t0, t1;
    int rc;
    tp_mark(1);
    t0 = tp_timer_now();
    rc = TP_M(invoke)();
    t1 = tp_timer_now();
    tp_mark(2);
    *start = (uint32_t)t0;
    *end = (uint32_t)t1;
    return rc;
}

static int inputs_loaded(void) {
    if (db_size == TP_BENCH_INPUT_BYTES && db_pos == db_size) return 1;
    tp_puts("e-[load the ");
    tp_put_u32(TP_BENCH_INPUT_BYTES);
    tp_puts(" input bytes first (db load N, db <hex>)]");
    end_line();
    return 0;
}

/* ---- commands ------------------------------------------------------------------------------ */

static int parse_u32(const char *s, uint32_t *out) {
    uint32_t v = 0;
    if (s == 0 || *s == '\0') return 0;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9') return 0;
        if (v > 429496728u) return 0;
        v = v * 10u + (uint32_t)(*s - '0');
    }
    *out = v;
    return 1;
}

static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static void cmd_results(void) {
    int32_t i;
    int first = 1;
    tp_puts("m-results-[");
    for (i = 0; i < TP_M_NUM_OUTPUTS; i++) {
        const uint8_t *p = (const uint8_t *)TP_M(output)(i);
        size_t n = TP_M(output_bytes)(i);
        size_t k;
        /* Float outputs have scale 0 (model header); everything else here is int8. */
        int is_float = TP_M(output_scale)(i) == 0.0f;
        for (k = 0; k < n; k += is_float ? 4u : 1u) {
            if (!first) tp_uart_putc(',');
            first = 0;
            if (is_float) {
                float f;
                memcpy(&f, p + k, 4);
                put_float3(f);
            } else {
                tp_put_i32((int32_t)(int8_t)p[k]);
            }
        }
    }
    tp_puts("]");
    end_line();
    for (i = 0; i < TP_M_NUM_OUTPUTS; i++) {
        tp_puts("m-tp-out-");
        tp_put_u32((uint32_t)i);
        tp_puts("-");
        put_hex_bytes((const uint8_t *)TP_M(output)(i), TP_M(output_bytes)(i));
        end_line();
    }
}

static void cmd_infer(const char *n_text, const char *w_text) {
    uint32_t n = 1, w = 0, k, ticks, t_start, t_end;
    uint64_t sum = 0, min = ~(uint64_t)0, max = 0;
    int rc;
    if (n_text != 0 && (!parse_u32(n_text, &n) || n == 0u)) {
        msg("e-[Inference iterations must be >0]");
        return;
    }
    if (w_text != 0 && !parse_u32(w_text, &w)) {
        msg("e-[Inference warmup must be >=0]");
        return;
    }
    if (!inputs_loaded()) return;
    tp_puts("m-warmup-start-");
    tp_put_u32(w);
    end_line();
    for (k = 0; k < w; k++) {
        load_inputs();
        rc = TP_M(invoke)();
        if (rc != 0) {
            report_invoke_error(rc);
            return;
        }
    }
    msg("m-warmup-done");
    tp_puts("m-infer-start-");
    tp_put_u32(n);
    end_line();
    timer_rebase();
    tp_puts("m-lap-us-");
    put_u64(ticks_to_us(tp_timer_now() + ts_offset));
    end_line();
    for (k = 0; k < n; k++) {
        load_inputs();
        rc = timed_invoke(&t_start, &t_end);
        ticks = t_end - t_start; /* modulo 2^32: exact up to 26 s of DWT cycles at 160 MHz */
        if (rc != 0) {
            report_invoke_error(rc);
            return;
        }
        sum += ticks;
        if (ticks < min) min = ticks;
        if (ticks > max) max = ticks;
    }
    tp_puts("m-lap-us-");
    put_u64(ticks_to_us(tp_timer_now() + ts_offset));
    end_line();
    msg("m-infer-done");
    tp_puts("m-tp-ticks-");
    put_u64(sum);
    tp_puts("-");
    put_u64(min);
    tp_puts("-");
    put_u64(max);
    end_line();
    cmd_results();
}

/* The highest arena byte the inference wrote: the arena is painted first, then scanned down
 * from its end for the first word that changed. */
static uint32_t arena_used(void) {
    const uint32_t *p = &__tp_arena_end;
    while (p > &__tp_arena_start && p[-1] == BENCH_ARENA_PAINT) p--;
    return (uint32_t)((uintptr_t)p - (uintptr_t)&__tp_arena_start);
}

static void cmd_layers(void) {
    uint32_t *p;
    int32_t i;
    int rc;
    if (!inputs_loaded()) return;
    for (p = &__tp_arena_start; p < &__tp_arena_end; p++) *p = BENCH_ARENA_PAINT;
    load_inputs();
    timer_rebase();
    TP_M(set_layer_hook)(layer_hook, 0);
    rc = TP_M(invoke)();
    TP_M(set_layer_hook)(0, 0);
    if (rc != 0) {
        report_invoke_error(rc);
        return;
    }
    tp_puts("m-tp-layers-[");
    for (i = 0; i < TP_M_NUM_LAYERS; i++) {
        if (i > 0) tp_uart_putc(',');
        put_u64(layer_ticks[i + 1] - layer_ticks[i]);
    }
    tp_puts("]");
    end_line();
    tp_puts("m-tp-arena-used-");
    tp_put_u32(arena_used());
    end_line();
    tp_puts("m-tp-stack-used-");
    tp_put_u32(tp_stack_high_water());
    end_line();
}

static void cmd_info(void) {
    int32_t i;
    msg("m-tp-sources-sha256-" TP_BENCH_SOURCES_SHA256);
    msg("m-tp-board-" TP_BOARD_NAME);
    tp_puts("m-tp-emulated-");
    tp_put_u32((uint32_t)TP_EMULATED);
    end_line();
    tp_puts("m-tp-layers-count-");
    tp_put_u32((uint32_t)TP_M_NUM_LAYERS);
    end_line();
    tp_puts("m-tp-inputs-[");
    for (i = 0; i < TP_M_NUM_INPUTS; i++) {
        if (i > 0) tp_uart_putc(',');
        tp_put_u32((uint32_t)TP_M(input_bytes)(i));
    }
    tp_puts("]");
    end_line();
    tp_puts("m-tp-outputs-[");
    for (i = 0; i < TP_M_NUM_OUTPUTS; i++) {
        if (i > 0) tp_uart_putc(',');
        tp_put_u32((uint32_t)TP_M(output_bytes)(i));
    }
    tp_puts("]");
    end_line();
    tp_puts("m-tp-arena-");
    tp_put_u32((uint32_t)TP_M_ARENA_BYTES);
    end_line();
    tp_puts("m-tp-stack-size-");
    tp_put_u32(tp_stack_size());
    end_line();
    tp_puts("m-tp-timer-");
    tp_puts(tp_timer_source());
    tp_puts("-");
    tp_put_u32(tp_timer_hz());
    end_line();
}

static void cmd_db(char **tok, int ntok) {
    uint32_t n;
    const char *h;
    if (ntok < 2) {
        msg("e-[Command 'db' requires a subcommand]");
        return;
    }
    if (strcmp(tok[1], "load") == 0) {
        if (ntok < 3 || !parse_u32(tok[2], &n) || n == 0u) {
            msg("e-[Command 'db load' requires the # of bytes (>0)]");
            return;
        }
        if (n > TP_BENCH_INPUT_BYTES) {
            tp_puts("e-[db load: at most ");
            tp_put_u32(TP_BENCH_INPUT_BYTES);
            tp_puts(" bytes (the model's inputs)]");
            end_line();
            return;
        }
        db_size = n;
        db_pos = 0;
        tp_puts("m-[Expecting ");
        tp_put_u32(n);
        tp_puts(" bytes]");
        end_line();
        return;
    }
    if (strcmp(tok[1], "print") == 0) {
        uint32_t k;
        for (k = 0; k < db_pos; k++) {
            if (k % 8u == 0u) tp_puts("m-buffer-");
            put_hex_bytes(&db_buf[k], 1);
            if (k % 8u == 7u || k + 1u == db_pos) {
                end_line();
            } else {
                tp_uart_putc('-');
            }
        }
        return;
    }
    if (db_size == 0u || db_pos >= db_size) {
        msg("e-[db: no load in progress (send db load N first)]");
        return;
    }
    for (h = tok[1]; h[0] != '\0'; h += 2) {
        int hi = hex_value(h[0]);
        int lo = h[1] == '\0' ? -1 : hex_value(h[1]);
        if (hi < 0 || lo < 0) {
            error2("Invalid hex digits: ", tok[1]);
            return;
        }
        db_buf[db_pos++] = (uint8_t)((hi << 4) | lo);
        if (db_pos == db_size) {
            msg("m-load-done");
            return; /* like EEMBC: digits past N are ignored */
        }
    }
}

static void dispatch(char *line) {
    char *tok[BENCH_MAX_TOKENS];
    int ntok = 0;
    char *p = line;
    while (*p != '\0' && ntok < BENCH_MAX_TOKENS) {
        while (*p == ' ') *p++ = '\0';
        if (*p == '\0') break;
        tok[ntok++] = p;
        while (*p != '\0' && *p != ' ') p++;
    }
    if (ntok == 0) return; /* a bare '%' (a host resyncing): just m-ready */
    if (strcmp(tok[0], "name") == 0) {
        msg("m-name-dut-[tinyprune]");
    } else if (strcmp(tok[0], "profile") == 0) {
        msg("m-profile-[ULPMark for tinyML Firmware V0.0.1]");
        tp_puts("m-model-[");
        tp_puts(TP_BENCH_MODEL_NAME);
        tp_puts("]");
        end_line();
        msg("m-tp-sources-sha256-" TP_BENCH_SOURCES_SHA256);
    } else if (strcmp(tok[0], "timestamp") == 0) {
        tp_puts("m-lap-us-");
        put_u64(ticks_to_us(tp_timer_now() + ts_offset));
        end_line();
    } else if (strcmp(tok[0], "ping") == 0) {
        tp_puts("m-pong-");
        tp_puts(ntok > 1 ? tok[1] : "");
        end_line();
    } else if (strcmp(tok[0], "db") == 0) {
        cmd_db(tok, ntok);
    } else if (strcmp(tok[0], "infer") == 0) {
        cmd_infer(ntok > 1 ? tok[1] : 0, ntok > 2 ? tok[2] : 0);
    } else if (strcmp(tok[0], "results") == 0) {
        cmd_results();
    } else if (strcmp(tok[0], "tp-info") == 0) {
        cmd_info();
    } else if (strcmp(tok[0], "tp-layers") == 0) {
        cmd_layers();
    } else if (strcmp(tok[0], "help") == 0) {
        msg("m-help-[name profile timestamp ping db infer results tp-info tp-layers]");
    } else {
        error2("Unknown command: ", tok[0]);
    }
}

int main(void) {
    uint32_t len = 0;
    int overflow = 0;
    tp_timer_init();
    if (TP_M(init)() != 0) {
        msg("e-[model init failed]");
    }
    /* EEMBC's boot banner. Under QEMU it is usually lost (the pty is not open yet): the host
     * does not rely on it and pings instead. */
    msg("m-timestamp-mode-performance");
    msg("m-init-done");
    msg("m-ready");
    for (;;) {
        int c = tp_uart_getc();
        if (c == '%') {
            cmd_buf[len] = '\0';
            if (overflow) {
                tp_puts("e-[command longer than ");
                tp_put_u32(BENCH_CMD_MAX);
                tp_puts(" characters]");
                end_line();
            } else {
                dispatch(cmd_buf);
            }
            msg("m-ready");
            len = 0;
            overflow = 0;
        } else if (c == '\r' || c == '\n') {
            /* line endings a terminal adds are not part of a command */
        } else if (len < BENCH_CMD_MAX) {
            cmd_buf[len++] = (char)c;
        } else {
            overflow = 1;
        }
    }
}
