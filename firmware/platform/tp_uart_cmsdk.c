/*
 * Arm CMSDK APB UART (MPS2 / MPS3 FPGA images: an385, an386, an500, an505, an547).
 * Registers: DATA 0x00, STATE 0x04 (bit0 TX buffer full, bit1 RX buffer full),
 * CTRL 0x08 (bit0 TX enable, bit1 RX enable), BAUDDIV 0x10 (>= 16).
 */
#include <stdint.h>

#include "tp_board.h"
#include "tp_platform.h"

#define UART_REG(off) (*(volatile uint32_t *)(uintptr_t)(TP_UART_BASE + (off)))
#define UART_DATA UART_REG(0x00u)
#define UART_STATE UART_REG(0x04u)
#define UART_CTRL UART_REG(0x08u)
#define UART_BAUDDIV UART_REG(0x10u)

#define STATE_TXFULL 0x1u
#define STATE_RXFULL 0x2u

void tp_uart_init(void)
{
    uint32_t div = TP_UART_CLOCK_HZ / TP_UART_BAUD;
    UART_BAUDDIV = div < 16u ? 16u : div;
    UART_CTRL = 0x3u; /* TX and RX enabled, no interrupts */
}

void tp_uart_putc(char c)
{
    while ((UART_STATE & STATE_TXFULL) != 0u) {
    }
    UART_DATA = (uint8_t)c;
}

int tp_uart_try_getc(void)
{
    if ((UART_STATE & STATE_RXFULL) == 0u) {
        return -1;
    }
    return (int)(UART_DATA & 0xFFu);
}

int tp_uart_getc(void)
{
    int c;
    while ((c = tp_uart_try_getc()) < 0) {
    }
    return c;
}

void tp_uart_flush(void)
{
    /* The CMSDK UART has a one-byte buffer and no "shift register empty" flag: wait for the
     * buffer to drain; the last byte is then in the shifter and finishes on its own. */
    while ((UART_STATE & STATE_TXFULL) != 0u) {
    }
}
