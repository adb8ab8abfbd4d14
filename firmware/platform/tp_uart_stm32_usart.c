/*
 * STM32 USART / LPUART, polled. Two register layouts exist across the families:
 *   TP_UART_STM32_LAYOUT 0 "sr"  (F1/F2/F4, QEMU netduinoplus2): SR 0x00, DR 0x04, BRR 0x08,
 *                                CR1 0x0C with UE = bit 13.
 *   TP_UART_STM32_LAYOUT 1 "isr" (F0/F3/F7/L4/H7/U5...): CR1 0x00 with UE = bit 0, BRR 0x0C,
 *                                ISR 0x1C, ICR 0x20, RDR 0x24, TDR 0x28.
 *   TP_UART_STM32_LAYOUT 2 "lpuart": the "isr" layout with BRR = 256 * clock / baud.
 * Status bits are the same in SR and ISR: RXNE 5, TC 6, TXE 7, ORE 3. CR1: RE 2, TE 3.
 * Clock gating and pin muxing come from the board profile's "init" writes.
 */
#include <stdint.h>

#include "tp_board.h"
#include "tp_platform.h"

#ifndef TP_UART_STM32_LAYOUT
#define TP_UART_STM32_LAYOUT 0
#endif

#define UART_REG(off) (*(volatile uint32_t *)(uintptr_t)(TP_UART_BASE + (off)))

#if TP_UART_STM32_LAYOUT == 0
#define USART_STATUS UART_REG(0x00u)
#define USART_RDR UART_REG(0x04u)
#define USART_TDR UART_REG(0x04u)
#define USART_BRR UART_REG(0x08u)
#define USART_CR1 UART_REG(0x0Cu)
#define CR1_UE (1u << 13)
#else
#define USART_CR1 UART_REG(0x00u)
#define USART_BRR UART_REG(0x0Cu)
#define USART_STATUS UART_REG(0x1Cu)
#define USART_ICR UART_REG(0x20u)
#define USART_RDR UART_REG(0x24u)
#define USART_TDR UART_REG(0x28u)
#define CR1_UE (1u << 0)
#endif

#define CR1_RE (1u << 2)
#define CR1_TE (1u << 3)
#define ST_ORE (1u << 3)
#define ST_RXNE (1u << 5)
#define ST_TC (1u << 6)
#define ST_TXE (1u << 7)

void tp_uart_init(void)
{
#if TP_UART_STM32_LAYOUT == 2
    uint32_t brr = (uint32_t)((256ull * TP_UART_CLOCK_HZ + TP_UART_BAUD / 2u) / TP_UART_BAUD);
#else
    /* Oversampling by 16: BRR = clock / baud (mantissa and fraction fields line up). */
    uint32_t brr = (TP_UART_CLOCK_HZ + TP_UART_BAUD / 2u) / TP_UART_BAUD;
#endif
    USART_CR1 = 0u;
    USART_BRR = brr;
    USART_CR1 = CR1_TE | CR1_RE;
    USART_CR1 = CR1_TE | CR1_RE | CR1_UE;
}

void tp_uart_putc(char c)
{
    while ((USART_STATUS & ST_TXE) == 0u) {
    }
    USART_TDR = (uint8_t)c;
}

int tp_uart_try_getc(void)
{
    uint32_t st = USART_STATUS;
    if ((st & ST_ORE) != 0u) {
        /* An overrun stops reception until cleared: ICR on the new layout, SR-then-DR read on
         * the old one (the DR read below does it). */
#if TP_UART_STM32_LAYOUT != 0
        USART_ICR = ST_ORE;
#endif
    }
    if ((st & ST_RXNE) == 0u) {
        return -1;
    }
    return (int)(USART_RDR & 0xFFu);
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
    while ((USART_STATUS & ST_TC) == 0u) {
    }
}
