/*
 * tinyprune bare-metal platform layer: the few services every tinyprune firmware needs
 * (console UART, semihosting exit, a timer, stack measurement and the instruction-count
 * marker). One implementation per UART kind; the board's facts (addresses, clocks, init
 * register writes) come from the generated tp_board.h, which buildFirmware() renders from the
 * board profile into the build directory and puts on the include path.
 *
 * Everything here is C99, allocation-free and safe to call before main() returns.
 */
#ifndef TP_PLATFORM_H
#define TP_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- console UART (one per board; kind chosen at build time) ---------------------------- */

/* Called by the startup code before main(); safe to call again. */
void tp_uart_init(void);
/* Blocking write of one byte. */
void tp_uart_putc(char c);
/* Blocking read of one byte (0..255). */
int tp_uart_getc(void);
/* Non-blocking read: a byte 0..255, or -1 when nothing has arrived. */
int tp_uart_try_getc(void);
/* Waits until every byte written so far has left the transmitter (call before exiting on a
 * real board, or the last bytes are lost when the core stops). */
void tp_uart_flush(void);

/* Helpers on top of tp_uart_putc (no printf: it pulls in ~10 KB and a heap). */
void tp_uart_write(const void *buf, size_t n);
void tp_puts(const char *s);        /* writes s as is, no newline added */
void tp_put_u32(uint32_t v);        /* decimal */
void tp_put_i32(int32_t v);         /* decimal, with '-' */
void tp_put_hex32(uint32_t v);      /* 0x%08x */

/* ---- semihosting (QEMU, or a debugger with semihosting enabled) ------------------------- */

/* Writes n bytes to the host's stderr (QEMU: its own stderr). No-op when the board is built
 * without semihosting (a real board with no debugger attached would fault on BKPT). */
void tp_semihost_write(const char *buf, size_t n);
void tp_semihost_puts(const char *s);

/* Ends the program with an exit code. Under semihosting QEMU exits with exactly that code
 * (SYS_EXIT_EXTENDED); on a real board without semihosting the code is printed on the UART as
 * "\n@tp-exit <code>\n" and the core sleeps forever. Codes 100 and above are reserved for
 * faults (100 + exception number), so applications should exit with 0..99. */
void tp_exit(int code) __attribute__((noreturn));

/* ---- timer ------------------------------------------------------------------------------- */

/* Starts the timer (idempotent). On real cores with a DWT it is the cycle counter (CYCCNT);
 * on QEMU (where CYCCNT reads 0) and on Cortex-M0/M0+ it is SysTick at the core clock,
 * extended to 64 bits by counting wraps in the SysTick interrupt. Under QEMU -icount the
 * SysTick count is deterministic and proportional to instructions, not real cycles. */
void tp_timer_init(void);
uint64_t tp_timer_now(void);
/* Ticks per second of tp_timer_now(). */
uint32_t tp_timer_hz(void);
/* "dwt" or "systick". */
const char *tp_timer_source(void);

/* ---- instruction-count marker ------------------------------------------------------------ */

/* Does nothing visible; the QEMU plugin (firmware/qemu-plugin/tp_icount.c) records the
 * cumulative count of executed instructions each time the first instruction of this function
 * runs. Bracket the code to measure with two calls: the difference of the two marks is the
 * instructions executed in between (plus a constant call overhead, the same for every pair).
 * Kept out of line and in its own section so its address is stable and easy to find. */
void tp_mark(uint32_t id);

/* ---- stack -------------------------------------------------------------------------------- */

/* The startup code paints the stack with a pattern before main(); this returns the most
 * bytes of stack used since then (high-water mark), found by scanning for the paint. */
uint32_t tp_stack_high_water(void);
/* Size of the stack reserved by the linker script. */
uint32_t tp_stack_size(void);

#ifdef __cplusplus
}
#endif

#endif /* TP_PLATFORM_H */
