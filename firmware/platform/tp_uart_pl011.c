/*
 * Arm PrimeCell PL011 UART (lm3s6965evb; also the RP2040's UARTs, whose reset/clock/pin setup
 * comes from the board profile's "init" register writes).
 * Registers: DR 0x00, FR 0x18 (bit3 BUSY, bit4 RXFE, bit5 TXFF), IBRD 0x24, FBRD 0x28,
 * LCRH 0x2C, CR 0x30 (bit0 UARTEN, bit8 TXE, bit9 RXE).
 * Baud divisor = clock / (16 * baud), integer part in IBRD, 6-bit fraction in FBRD.
 */
#include <stdint.h>

#include "tp_board.h"
#include "tp_platform.h"

#define UART_REG(off) (*(volatile uint32_t *)(uintptr_t)(TP_UART_BASE + (off)))
#define UART_DR UART_REG(0x00u)
#define UART_FR UART_REG(0x18u)
#define UART_IBRD UART_REG(0x24u)
#define UART_FBRD UART_REG(0x28u)
#define UART_LCRH UART_REG(0x2Cu)
#define UART_CR UART_REG(0x30u)

#define FR_BUSY 0x08u
#define FR_RXFE 0x10u
#define FR_TXFF 0x20u

void tp_uart_init(void)
{
    /* 64 * clock / (16 * baud) = 4 * clock / baud, rounded: IBRD = top bits, FBRD = low 6. */
    uint32_t div64 = (uint32_t)((4ull * TP_UART_CLOCK_HZ + TP_UART_BAUD / 2u) / TP_UART_BAUD);
    UART_CR = 0u;
    UART_IBRD = div64 >> 6;
    UART_FBRD = div64 & 0x3Fu;
    UART_LCRH = (3u << 5) | (1u << 4); /* 8 data bits, FIFOs on; LCRH write latches IBRD/FBRD */
    UART_CR = (1u << 0) | (1u << 8) | (1u << 9);
}

void tp_uart_putc(char c)
{
    while ((UART_FR & FR_TXFF) != 0u) {
    }
    UART_DR = (uint8_t)c;
}

int tp_uart_try_getc(void)
{
    if ((UART_FR & FR_RXFE) != 0u) {
        return -1;
    }
    return (int)(UART_DR & 0xFFu);
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
    while ((UART_FR & FR_BUSY) != 0u) {
    }
}
