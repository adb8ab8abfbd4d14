/*
 * UART text helpers shared by every UART driver (the drivers only provide putc/getc/flush).
 */
#include <stdint.h>

#include "tp_platform.h"

void tp_uart_write(const void *buf, size_t n)
{
    const char *p = (const char *)buf;
    size_t i;
    for (i = 0; i < n; i++) {
        tp_uart_putc(p[i]);
    }
}

void tp_puts(const char *s)
{
    while (*s != '\0') {
        tp_uart_putc(*s++);
    }
}

void tp_put_u32(uint32_t v)
{
    char buf[10];
    int n = 0;
    do {
        buf[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0u);
    while (n > 0) {
        tp_uart_putc(buf[--n]);
    }
}

void tp_put_i32(int32_t v)
{
    if (v < 0) {
        tp_uart_putc('-');
        /* Negate in unsigned arithmetic: -INT32_MIN overflows int32_t. */
        tp_put_u32(0u - (uint32_t)v);
    } else {
        tp_put_u32((uint32_t)v);
    }
}

void tp_put_hex32(uint32_t v)
{
    static const char hex[] = "0123456789abcdef";
    int i;
    tp_uart_putc('0');
    tp_uart_putc('x');
    for (i = 28; i >= 0; i -= 4) {
        tp_uart_putc(hex[(v >> i) & 0xFu]);
    }
}
