/*
 * Nordic nRF51 UART (BBC micro:bit; nRF51822). Task/event style peripheral:
 * TASKS_STARTRX 0x000, TASKS_STARTTX 0x008, EVENTS_RXDRDY 0x108, EVENTS_TXDRDY 0x11C,
 * ENABLE 0x500 (4 = enabled), PSELTXD 0x50C, PSELRXD 0x514, RXD 0x518, TXD 0x51C,
 * BAUDRATE 0x524. A byte written to TXD raises EVENTS_TXDRDY once it has been sent; the
 * event must be cleared by software before the next byte.
 */
#include <stdint.h>

#include "tp_board.h"
#include "tp_platform.h"

#define UART_REG(off) (*(volatile uint32_t *)(uintptr_t)(TP_UART_BASE + (off)))
#define TASKS_STARTRX UART_REG(0x000u)
#define TASKS_STARTTX UART_REG(0x008u)
#define EVENTS_RXDRDY UART_REG(0x108u)
#define EVENTS_TXDRDY UART_REG(0x11Cu)
#define UART_ENABLE UART_REG(0x500u)
#define UART_PSELTXD UART_REG(0x50Cu)
#define UART_PSELRXD UART_REG(0x514u)
#define UART_RXD UART_REG(0x518u)
#define UART_TXD UART_REG(0x51Cu)
#define UART_BAUDRATE UART_REG(0x524u)

#ifndef TP_UART_TX_PIN
#define TP_UART_TX_PIN 24u /* micro:bit: P0.24 */
#endif
#ifndef TP_UART_RX_PIN
#define TP_UART_RX_PIN 25u /* micro:bit: P0.25 */
#endif

static uint32_t tp_nrf51_baud(uint32_t baud)
{
    /* Values from the nRF51 reference manual (BAUDRATE register). */
    switch (baud) {
    case 9600u: return 0x00275000u;
    case 19200u: return 0x004EA000u;
    case 38400u: return 0x009D5000u;
    case 57600u: return 0x00EBF000u;
    case 230400u: return 0x03AFB000u;
    case 460800u: return 0x075F7000u;
    case 921600u: return 0x0EBEDA00u;
    default: return 0x01D7E000u; /* 115200 */
    }
}

static int tp_tx_started;

void tp_uart_init(void)
{
    UART_PSELTXD = TP_UART_TX_PIN;
    UART_PSELRXD = TP_UART_RX_PIN;
    UART_BAUDRATE = tp_nrf51_baud(TP_UART_BAUD);
    UART_ENABLE = 4u;
    EVENTS_TXDRDY = 0u;
    EVENTS_RXDRDY = 0u;
    TASKS_STARTTX = 1u;
    TASKS_STARTRX = 1u;
    tp_tx_started = 1;
}

void tp_uart_putc(char c)
{
    if (!tp_tx_started) {
        tp_uart_init();
    }
    UART_TXD = (uint8_t)c;
    while (EVENTS_TXDRDY == 0u) {
    }
    EVENTS_TXDRDY = 0u;
}

int tp_uart_try_getc(void)
{
    if (EVENTS_RXDRDY == 0u) {
        return -1;
    }
    EVENTS_RXDRDY = 0u;
    return (int)(UART_RXD & 0xFFu);
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
    /* tp_uart_putc already waits for TXDRDY (byte sent) after every byte. */
}
