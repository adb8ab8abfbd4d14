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

#define SYS_OPEN 0x01u
#define SYS_WRITE 0x05u
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

/* ":tt" opened with mode 8 ("w" with the stderr bit) is the host's stderr. Opened lazily;
 * -2 = not tried yet, -1 = failed (fall back to SYS_WRITE0, which some hosts still support). */
static int32_t tp_stderr_handle = -2;

static int32_t tp_semihost_stderr(void)
{
    if (tp_stderr_handle == -2) {
        static const char name[] = ":tt";
        uint32_t block[3];
        block[0] = (uint32_t)(uintptr_t)name;
        block[1] = 8u;              /* "w" + stderr */
        block[2] = sizeof name - 1u; /* length without the NUL */
        tp_stderr_handle = (int32_t)tp_semihost_call(SYS_OPEN, block);
        if (tp_stderr_handle < 0) {
            tp_stderr_handle = -1;
        }
    }
    return tp_stderr_handle;
}
#endif

void tp_semihost_write(const char *buf, size_t n)
{
#if TP_SEMIHOSTING
    int32_t h = tp_semihost_stderr();
    if (n == 0u) {
        return;
    }
    if (h >= 0) {
        uint32_t block[3];
        block[0] = (uint32_t)h;
        block[1] = (uint32_t)(uintptr_t)buf;
        block[2] = (uint32_t)n;
        (void)tp_semihost_call(SYS_WRITE, block);
    } else {
        /* SYS_WRITE0 needs a NUL-terminated string: send in chunks. */
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
