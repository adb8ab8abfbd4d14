/*
 * Startup for every Cortex-M core tinyprune targets (ARMv6-M, ARMv7-M/7E-M, ARMv8-M mainline,
 * ARMv8.1-M): vector table, Reset_Handler, board register init, fault reporting.
 *
 * Order on reset matters:
 *   1. set SP (a debugger `load` leaves SP = 0, see FIRMWARE.md "Loading without hardware");
 *   2. enable the FPU / MVE through CPACR *before any* floating-point or vector instruction —
 *      with -mfloat-abi=hard the compiler may use FP registers anywhere, and a disabled
 *      coprocessor turns the first one into a UsageFault/HardFault;
 *   3. copy .data, zero .bss, paint the stack, run the board's register writes (clock gates,
 *      pin muxing), init the UART, run constructors, call main(), exit with its return value.
 * Steps 1-2 are in assembly (a naked function) because C code may not run before them.
 *
 * Faults: every exception without its own handler lands in tp_fault_entry, which reports the
 * exception name and the stacked PC on the semihosting console and exits with code
 * 100 + exception number (HardFault = 103), so a crash in QEMU is an exit code, not a hang.
 */
#include <stdint.h>

#include "tp_board.h"
#include "tp_platform.h"

/* Linker-script symbols (templates/linker/tp_link.ld.hbs). */
extern uint32_t __data_load;
extern uint32_t __data_start;
extern uint32_t __data_end;
extern uint32_t __bss_start;
extern uint32_t __bss_end;
extern uint32_t __tp_arena_start;
extern uint32_t __tp_arena_end;
extern uint32_t __stack_limit;
extern uint32_t __stack_top;
extern void (*__preinit_array_start[])(void);
extern void (*__preinit_array_end[])(void);
extern void (*__init_array_start[])(void);
extern void (*__init_array_end[])(void);

extern int main(void);

void Reset_Handler(void);
void tp_fault_entry(void);
void tp_reset_c(void) __attribute__((noreturn, used));
void tp_fault_c(const uint32_t *frame, uint32_t exc_return) __attribute__((noreturn, used));
void SysTick_Handler(void);

#define TP_STACK_PAINT 0xA5A5A5A5u

/* Cores with a VTOR and the 32-bit Thumb-2 instruction set. */
#if defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_7EM__) || defined(__ARM_ARCH_8M_MAIN__) || \
    defined(__ARM_ARCH_8_1M_MAIN__)
#define TP_HAS_VTOR 1
#define TP_HAS_CFSR 1
#else
#define TP_HAS_VTOR 0
#define TP_HAS_CFSR 0
#endif

/* -------------------------------------------------------------------------------------------
 * Vector table: 16 system entries + 64 interrupts, all unused interrupts reporting as faults.
 * 80 entries * 4 bytes = 320 bytes; VTOR needs the table aligned to the next power of two
 * (512). Real boards with more interrupts never enable them.
 * ----------------------------------------------------------------------------------------- */
#define TP_VECTOR_COUNT 80

/* Behind a second-stage bootloader (RP2040) the table sits at flash + 0x100, where boot2
 * points VTOR: 256-byte alignment, enough for the Cortex-M0+'s at most 48 vectors (the
 * entries past them are never fetched). */
#if defined(TP_BOOT2) && TP_BOOT2
#define TP_VECTOR_ALIGN 256
#else
#define TP_VECTOR_ALIGN 512
#endif

typedef void (*tp_vector)(void);

__attribute__((section(".isr_vector"), used, aligned(TP_VECTOR_ALIGN)))
const tp_vector tp_vector_table[TP_VECTOR_COUNT] = {
    (tp_vector)(uintptr_t)&__stack_top, /* 0: initial SP */
    Reset_Handler,                       /* 1: reset */
    tp_fault_entry,                      /* 2: NMI */
    tp_fault_entry,                      /* 3: HardFault */
    tp_fault_entry,                      /* 4: MemManage */
    tp_fault_entry,                      /* 5: BusFault */
    tp_fault_entry,                      /* 6: UsageFault */
    tp_fault_entry,                      /* 7: SecureFault (v8-M) */
    0, 0, 0,                             /* 8-10: reserved */
    tp_fault_entry,                      /* 11: SVCall */
    tp_fault_entry,                      /* 12: DebugMonitor */
    0,                                   /* 13: reserved */
    tp_fault_entry,                      /* 14: PendSV */
    SysTick_Handler,                     /* 15: SysTick (tp_timer.c) */
    /* 16..79: external interrupts */
    tp_fault_entry, tp_fault_entry, tp_fault_entry, tp_fault_entry, tp_fault_entry,
    tp_fault_entry, tp_fault_entry, tp_fault_entry, tp_fault_entry, tp_fault_entry,
    tp_fault_entry, tp_fault_entry, tp_fault_entry, tp_fault_entry, tp_fault_entry,
    tp_fault_entry, tp_fault_entry, tp_fault_entry, tp_fault_entry, tp_fault_entry,
    tp_fault_entry, tp_fault_entry, tp_fault_entry, tp_fault_entry, tp_fault_entry,
    tp_fault_entry, tp_fault_entry, tp_fault_entry, tp_fault_entry, tp_fault_entry,
    tp_fault_entry, tp_fault_entry, tp_fault_entry, tp_fault_entry, tp_fault_entry,
    tp_fault_entry, tp_fault_entry, tp_fault_entry, tp_fault_entry, tp_fault_entry,
    tp_fault_entry, tp_fault_entry, tp_fault_entry, tp_fault_entry, tp_fault_entry,
    tp_fault_entry, tp_fault_entry, tp_fault_entry, tp_fault_entry, tp_fault_entry,
    tp_fault_entry, tp_fault_entry, tp_fault_entry, tp_fault_entry, tp_fault_entry,
    tp_fault_entry, tp_fault_entry, tp_fault_entry, tp_fault_entry, tp_fault_entry,
    tp_fault_entry, tp_fault_entry, tp_fault_entry, tp_fault_entry,
};

/* -------------------------------------------------------------------------------------------
 * Reset: SP and coprocessor access first, in assembly (see the header comment).
 * CPACR (0xE000ED88) bits 20-23 = full access to CP10/CP11, which gates both the FPU and, on
 * ARMv8.1-M, the MVE (Helium) unit. DSB+ISB make the change visible before the next
 * instruction. ARMv6-M has no FPU, and its Thumb-1 subset lacks ORR-immediate, so the block is
 * only assembled when the target has FP or MVE.
 * ----------------------------------------------------------------------------------------- */
__attribute__((naked, noreturn)) void Reset_Handler(void)
{
    __asm volatile(
        "ldr r0, =__stack_top\n"
        "mov sp, r0\n"
#if defined(__ARM_FP) || defined(__ARM_FEATURE_MVE)
        "ldr r0, =0xE000ED88\n"
        "ldr r1, [r0]\n"
        "orr r1, r1, #0x00F00000\n"
        "str r1, [r0]\n"
        "dsb\n"
        "isb\n"
#endif
        "bl tp_reset_c\n"
        "b .\n"
        ".ltorg\n");
}

typedef struct {
    uint8_t op;
    uint32_t address;
    uint32_t mask;
    uint32_t value;
} tp_init_op;

#define TP_OP_WRITE 0u  /* *address = value */
#define TP_OP_MODIFY 1u /* *address = (*address & ~mask) | value */
#define TP_OP_WAIT 2u   /* spin until (*address & mask) == value (bounded) */

#if TP_BOARD_INIT_COUNT > 0
static const tp_init_op tp_board_init_ops[TP_BOARD_INIT_COUNT] = TP_BOARD_INIT_OPS;
#endif

/* Register writes from the board profile ("init"): clock gates, pin muxing, oscillators.
 * Data, not code, so a new board needs a JSON file and no C. */
static void tp_board_init(void)
{
#if TP_BOARD_INIT_COUNT > 0
    uint32_t i;
    for (i = 0; i < TP_BOARD_INIT_COUNT; i++) {
        const tp_init_op *op = &tp_board_init_ops[i];
        volatile uint32_t *reg = (volatile uint32_t *)(uintptr_t)op->address;
        if (op->op == TP_OP_WRITE) {
            *reg = op->value;
        } else if (op->op == TP_OP_MODIFY) {
            *reg = (*reg & ~op->mask) | op->value;
        } else {
            /* Bounded so a wrong profile gives a garbled UART, never a silent hang. */
            uint32_t spins = 0;
            while ((*reg & op->mask) != op->value && spins < 10000000u) {
                spins++;
            }
        }
    }
#endif
}

static uint32_t tp_read_sp(void)
{
    uint32_t sp;
    __asm volatile("mov %0, sp" : "=r"(sp));
    return sp;
}

void tp_reset_c(void)
{
    uint32_t *src = &__data_load;
    uint32_t *dst;
    uint32_t limit;
    int rc;
    size_t i, n;

    for (dst = &__data_start; dst < &__data_end;) {
        *dst++ = *src++;
    }
    for (dst = &__bss_start; dst < &__bss_end;) {
        *dst++ = 0u;
    }
    /* The tensor arena is NOLOAD (no bytes in the image) but zeroed like .bss, so a kernel that
     * reads scratch before writing it gives the same wrong answer on every run and board. */
    for (dst = &__tp_arena_start; dst < &__tp_arena_end;) {
        *dst++ = 0u;
    }

#if TP_HAS_VTOR
    /* A bootloader (Arduino, UF2) may leave VTOR pointing at its own table. */
    *(volatile uint32_t *)0xE000ED08u = (uint32_t)(uintptr_t)tp_vector_table;
    /* Report MemManage, BusFault and UsageFault as themselves (SHCSR enables) instead of an
     * anonymous HardFault, and trap integer division by zero (CCR.DIV_0_TRP), which would
     * otherwise quietly return 0 and make a kernel bug look like a wrong number. */
    *(volatile uint32_t *)0xE000ED24u |= (1u << 16) | (1u << 17) | (1u << 18);
    *(volatile uint32_t *)0xE000ED14u |= 1u << 4;
    __asm volatile("dsb\n isb" ::: "memory");
#endif

    /* Paint the unused part of the stack (leave 64 bytes below the current SP for this
     * function's own frame) so tp_stack_high_water() can find the deepest use later. */
    limit = tp_read_sp() - 64u;
    for (dst = &__stack_limit; (uint32_t)(uintptr_t)dst < limit; dst++) {
        *dst = TP_STACK_PAINT;
    }

    tp_board_init();
    tp_uart_init();

    n = (size_t)(__preinit_array_end - __preinit_array_start);
    for (i = 0; i < n; i++) {
        __preinit_array_start[i]();
    }
    n = (size_t)(__init_array_end - __init_array_start);
    for (i = 0; i < n; i++) {
        __init_array_start[i]();
    }

    rc = main();
    tp_exit(rc);
}

uint32_t tp_stack_high_water(void)
{
    const uint32_t *p = &__stack_limit;
    while (p < &__stack_top && *p == TP_STACK_PAINT) {
        p++;
    }
    return (uint32_t)((uintptr_t)&__stack_top - (uintptr_t)p);
}

uint32_t tp_stack_size(void)
{
    return (uint32_t)((uintptr_t)&__stack_top - (uintptr_t)&__stack_limit);
}

/* -------------------------------------------------------------------------------------------
 * Faults. The entry picks the stack the exception frame was pushed on (EXC_RETURN bit 2:
 * 0 = MSP, 1 = PSP) and passes it to C. Written with the ARMv6-M instruction subset so the
 * same code serves every core.
 * ----------------------------------------------------------------------------------------- */
__attribute__((naked)) void tp_fault_entry(void)
{
    __asm volatile(
        "movs r0, #4\n"
        "mov r1, lr\n"
        "tst r0, r1\n"
        "beq 1f\n"
        "mrs r0, psp\n"
        "b 2f\n"
        "1:\n"
        "mrs r0, msp\n"
        "2:\n"
        "ldr r2, =tp_fault_c\n"
        "bx r2\n"
        ".ltorg\n");
}

static const char *tp_exception_name(uint32_t n)
{
    switch (n) {
    case 2: return "NMI";
    case 3: return "HardFault";
    case 4: return "MemManage";
    case 5: return "BusFault";
    case 6: return "UsageFault";
    case 7: return "SecureFault";
    case 11: return "SVCall";
    case 12: return "DebugMonitor";
    case 14: return "PendSV";
    case 15: return "SysTick";
    default: return n >= 16u ? "IRQ" : "Reserved";
    }
}

static void tp_fault_field(const char *name, uint32_t v)
{
    static const char hex[] = "0123456789abcdef";
    char buf[11];
    int i;
    buf[0] = '0';
    buf[1] = 'x';
    for (i = 0; i < 8; i++) {
        buf[2 + i] = hex[(v >> (28 - 4 * i)) & 0xFu];
    }
    buf[10] = '\0';
    tp_semihost_puts(" ");
    tp_semihost_puts(name);
    tp_semihost_puts("=");
    tp_semihost_puts(buf);
}

void tp_fault_c(const uint32_t *frame, uint32_t exc_return)
{
    uint32_t ipsr;
    uint32_t code;
    __asm volatile("mrs %0, ipsr" : "=r"(ipsr));
    ipsr &= 0x1FFu;

    /* One line the host side parses (src/firmware/qemu.ts): "tinyprune-fault: <Name> (<n>)
     * pc=... lr=...". The stacked frame is r0-r3, r12, lr, pc, xpsr. */
    tp_semihost_puts("tinyprune-fault: ");
    tp_semihost_puts(tp_exception_name(ipsr));
    tp_semihost_puts(" (exception ");
    {
        char num[4];
        uint32_t v = ipsr, k = 0;
        char tmp[4];
        do {
            tmp[k++] = (char)('0' + v % 10u);
            v /= 10u;
        } while (v != 0u && k < 3u);
        for (v = 0; v < k; v++) {
            num[v] = tmp[k - 1u - v];
        }
        num[k] = '\0';
        tp_semihost_puts(num);
    }
    tp_semihost_puts(")");
    tp_fault_field("pc", frame[6]);
    tp_fault_field("lr", frame[5]);
    tp_fault_field("xpsr", frame[7]);
    tp_fault_field("exc_return", exc_return);
#if TP_HAS_CFSR
    tp_fault_field("cfsr", *(volatile uint32_t *)0xE000ED28u);
    tp_fault_field("hfsr", *(volatile uint32_t *)0xE000ED2Cu);
    tp_fault_field("mmfar", *(volatile uint32_t *)0xE000ED34u);
    tp_fault_field("bfar", *(volatile uint32_t *)0xE000ED38u);
#endif
    tp_semihost_puts("\n");

    /* Exit codes are 0-255: exceptions above 155 (IRQ 140+) all report as 255. */
    code = 100u + ipsr;
    tp_exit((int)(code > 255u ? 255u : code));
}
