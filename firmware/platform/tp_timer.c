/*
 * Timer abstraction. Two sources, chosen at build time by TP_TIMER_DWT (tp_board.h):
 *   DWT CYCCNT - the core's cycle counter; real Cortex-M3/M4/M7/M33/M55 boards. QEMU 7.2 does
 *                not emulate it (reads 0), and Cortex-M0/M0+ have none.
 *   SysTick    - 24-bit down-counter at the core clock, extended to 64 bits by counting wraps
 *                in its interrupt. Used in QEMU: with -icount shift=0 virtual time advances
 *                1 ns per instruction, so ticks repeat exactly run to run (40 instructions
 *                per tick on MPS2 at 25 MHz). Those are *not* cycles of any real chip.
 * Not started by the startup code: an unused timer costs nothing and its interrupt does not
 * disturb instruction counts.
 */
#include <stdint.h>

#include "tp_board.h"
#include "tp_platform.h"

#define REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

#define SYST_CSR REG32(0xE000E010u)
#define SYST_RVR REG32(0xE000E014u)
#define SYST_CVR REG32(0xE000E018u)

#define DEMCR REG32(0xE000EDFCu)
#define DWT_CTRL REG32(0xE0001000u)
#define DWT_CYCCNT REG32(0xE0001004u)
#define DWT_LAR REG32(0xE0001FB0u)

static volatile uint32_t tp_systick_wraps;
static int tp_timer_started;

void SysTick_Handler(void)
{
    tp_systick_wraps++;
}

#if TP_TIMER_DWT
static uint32_t tp_dwt_last;
static uint32_t tp_dwt_high;
#endif

void tp_timer_init(void)
{
    if (tp_timer_started) {
        return;
    }
    tp_timer_started = 1;
#if TP_TIMER_DWT
    DEMCR |= 1u << 24;        /* TRCENA: power the DWT */
    DWT_LAR = 0xC5ACCE55u;    /* Cortex-M7 locks DWT writes until this key; others ignore */
    DWT_CYCCNT = 0u;
    DWT_CTRL |= 1u;           /* CYCCNTENA */
    tp_dwt_last = 0u;
    tp_dwt_high = 0u;
#else
    tp_systick_wraps = 0u;
    SYST_CSR = 0u;
    SYST_RVR = 0x00FFFFFFu;
    SYST_CVR = 0u;            /* any write clears the counter; it reloads on the next tick */
    SYST_CSR = 0x7u;          /* ENABLE | TICKINT | CLKSOURCE = processor clock */
#endif
}

uint64_t tp_timer_now(void)
{
    if (!tp_timer_started) {
        tp_timer_init();
    }
#if TP_TIMER_DWT
    {
        /* Extend the 32-bit counter: correct as long as it is read at least once per wrap
         * (27 s at 160 MHz). */
        uint32_t now = DWT_CYCCNT;
        if (now < tp_dwt_last) {
            tp_dwt_high++;
        }
        tp_dwt_last = now;
        return ((uint64_t)tp_dwt_high << 32) | now;
    }
#else
    {
        /* SysTick counts RVR..1, 0 and reloads; its interrupt (one wrap) is taken on the
         * 1 -> 0 transition. Ticks since tp_timer_init() (which zeroed the counter, so the
         * first tick is a reload) are therefore (wraps + 1) * 2^24 - CVR while CVR != 0, and
         * wraps * 2^24 while CVR == 0 - which also gives 0 right after init. Reading the
         * wrap count twice guards against a wrap between the two reads. */
        uint32_t w1, w2, cv;
        do {
            w1 = tp_systick_wraps;
            cv = SYST_CVR & 0x00FFFFFFu;
            w2 = tp_systick_wraps;
        } while (w1 != w2);
        if (cv == 0u) {
            return (uint64_t)w1 << 24;
        }
        return ((uint64_t)(w1 + 1u) << 24) - cv;
    }
#endif
}

uint32_t tp_timer_hz(void)
{
    return TP_CORE_CLOCK_HZ;
}

const char *tp_timer_source(void)
{
#if TP_TIMER_DWT
    return "dwt";
#else
    return "systick";
#endif
}
