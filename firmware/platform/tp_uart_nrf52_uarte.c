/*
 * Nordic nRF52 UARTE (nRF52840: Arduino Nano 33 BLE, nRF52840-DK). The UARTE moves data with
 * EasyDMA only, from RAM: each byte is staged in a RAM buffer and sent with MAXCNT = 1.
 * Offsets: TASKS_STARTRX 0x000, TASKS_STARTTX 0x008, EVENTS_ENDRX 0x110, EVENTS_ENDTX 0x120,
 * ENABLE 0x500 (8 = UARTE), PSEL.TXD 0x50C, PSEL.RXD 0x514, BAUDRATE 0x524,
 * RXD.PTR 0x534, RXD.MAXCNT 0x538, TXD.PTR 0x544, TXD.MAXCNT 0x548.
 * Pin numbers are port * 32 + pin (TP_UART_TX_PIN / TP_UART_RX_PIN from the board profile).
 */
#include <stdint.h>

#include "tp_board.h"
#include "tp_platform.h"

#define UART_REG(off) (*(volatile uint32_t *)(uintptr_t)(TP_UART_BASE + (off)))
#define TASKS_STARTRX UART_REG(0x000u)
#define TASKS_STARTTX UART_REG(0x008u)
#define EVENTS_ENDRX UART_REG(0x110u)
#define EVENTS_ENDTX UART_REG(0x120u)
#define UARTE_ENABLE UART_REG(0x500u)
#define PSEL_TXD UART_REG(0x50Cu)
#define PSEL_RXD UART_REG(0x514u)
#define UARTE_BAUDRATE UART_REG(0x524u)
#define RXD_PTR UART_REG(0x534u)
#define RXD_MAXCNT UART_REG(0x538u)
#define TXD_PTR UART_REG(0x544u)
#define TXD_MAXCNT UART_REG(0x548u)

#ifndef TP_UART_TX_PIN
#define TP_UART_TX_PIN 6u
#endif
#ifndef TP_UART_RX_PIN
#define TP_UART_RX_PIN 8u
#endif

static volatile uint8_t tp_tx_byte;
static volatile uint8_t tp_rx_byte;

static uint32_t tp_uarte_baud(uint32_t baud)
{
    /* BAUDRATE values from the nRF52840 product specification (UARTE). */
    switch (baud) {
    case 9600u: return 0x00275000u;
    case 19200u: return 0x004EA000u;
    case 38400u: return 0x009D0000u;
    case 57600u: return 0x00EB0000u;
    case 230400u: return 0x03B00000u;
    case 460800u: return 0x07400000u;
    case 921600u: return 0x0F000000u;
    case 1000000u: return 0x10000000u;
    default: return 0x01D60000u; /* 115200 */
    }
}

static void tp_uarte_start_rx(void)
{
    RXD_PTR = (uint32_t)(uintptr_t)&tp_rx_byte;
    RXD_MAXCNT = 1u;
    EVENTS_ENDRX = 0u;
    TASKS_STARTRX = 1u;
}

void tp_uart_init(void)
{
    PSEL_TXD = TP_UART_TX_PIN;
    PSEL_RXD = TP_UART_RX_PIN;
    UARTE_BAUDRATE = tp_uarte_baud(TP_UART_BAUD);
    UARTE_ENABLE = 8u;
    EVENTS_ENDTX = 0u;
    tp_uarte_start_rx();
}

void tp_uart_putc(char c)
{
    tp_tx_byte = (uint8_t)c;
    TXD_PTR = (uint32_t)(uintptr_t)&tp_tx_byte;
    TXD_MAXCNT = 1u;
    EVENTS_ENDTX = 0u;
    TASKS_STARTTX = 1u;
    while (EVENTS_ENDTX == 0u) {
    }
}

int tp_uart_try_getc(void)
{
    int c;
    if (EVENTS_ENDRX == 0u) {
        return -1;
    }
    c = (int)tp_rx_byte;
    tp_uarte_start_rx();
    return c;
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
    /* tp_uart_putc waits for ENDTX after every byte. */
}
