/*
 * ARM semihosting: the debugger (or QEMU with -semihosting-config enable=on,target=native)
 * services requests made with `bkpt 0xAB`, operation in r0 and argument in r1.
 *
 * Used for two things only: text on the host's stderr (kept apart from the UART, which carries
 * the program's own output) and the exit code. SYS_EXIT_EXTENDED (0x20) takes a block
 * {reason, code} and makes QEMU exit with `code` (0-255); plain SYS_EXIT only gives 0/1.
 *
 * A real board without a debugger would take a HardFault on the BKPT, so boards built with
 * TP_SEMIHOSTING 0 send the same text to the UART and end by printing the exit code.
 */
#include <stdint.h>

#include "tp_board.h"
#include "tp_platform.h"

#define SYS_WRITE0 0x04u
#define SYS_EXIT 0x18u
#define SYS_EXIT_EXTENDED 0x20u
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

#if TP_SEMIHOSTING
static uint32_t tp_semihost_call(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm("r0") = op;
    register const void *r1 __asm("r1") = arg;
    __asm volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

#endif

/* Text goes out with SYS_WRITE0 (a NUL-terminated string to the debug console) rather than
 * SYS_WRITE to a ":tt" handle: QEMU 7.2 sends ":tt" straight to its own stderr, mixed with its
 * own messages, while the console honours -semihosting-config chardev=..., which lets the
 * host read the firmware's text from a file of its own. Without a chardev it is stderr. */
void tp_semihost_write(const char *buf, size_t n)
{
#if TP_SEMIHOSTING
    char chunk[65];
    size_t off = 0;
    while (off < n) {
        size_t k = n - off < 64u ? n - off : 64u;
        size_t j;
        for (j = 0; j < k; j++) {
            chunk[j] = buf[off + j];
        }
        chunk[k] = '\0';
        (void)tp_semihost_call(SYS_WRITE0, chunk);
        off += k;
    }
#else
    tp_uart_write(buf, n);
#endif
}

void tp_semihost_puts(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0') {
        n++;
    }
    tp_semihost_write(s, n);
}

void tp_exit(int code)
{
#if TP_SEMIHOSTING
    uint32_t block[2];
    block[0] = ADP_STOPPED_APPLICATION_EXIT;
    block[1] = (uint32_t)code;
    tp_uart_flush();
    (void)tp_semihost_call(SYS_EXIT_EXTENDED, block);
    /* Hosts without the extension ignore 0x20; SYS_EXIT at least stops them. On AArch32 its
     * argument is the reason code itself, not a pointer. */
    (void)tp_semihost_call(SYS_EXIT, (const void *)(uintptr_t)ADP_STOPPED_APPLICATION_EXIT);
#else
    tp_puts("\n@tp-exit ");
    tp_put_i32((int32_t)code);
    tp_puts("\n");
    tp_uart_flush();
#endif
    for (;;) {
        __asm volatile("wfi");
    }
}
