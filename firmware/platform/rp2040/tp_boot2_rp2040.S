/*
 * RP2040 second-stage bootloader ("boot2") for the Raspberry Pi Pico's QSPI flash (Winbond
 * W25Q080) — written for tinyprune from the RP2040 datasheet (sections 2.8.1 "Processor
 * controlled boot sequence" and 4.10 "SSI").
 *
 * Why it exists: the RP2040 has no internal flash. Its boot ROM reads the first 256 bytes of
 * the external flash into SRAM with a slow, conservative SPI setup, checks the CRC-32 in the
 * last 4 bytes (tinyprune computes it at build time: src/firmware/boot2.ts) and runs the 252
 * bytes of code. That code must set up execute-in-place (XIP) so the CPU can fetch the
 * application straight from flash at 0x10000000, then start the application.
 *
 * What this one does: the plainest XIP mode every 25-series serial flash (the W25Q080
 * included) supports — the 03h READ command, one data line, 24-bit address, 32-bit frames,
 * SCLK = clk_sys / 4 (3 MHz from the 12 MHz crystal tinyprune's profile runs on, far below
 * the 03h command's 50 MHz limit). No status-register writes, so nothing in the flash is ever
 * changed. It is slower than a quad-I/O boot2 for code fetched from flash (the XIP cache
 * hides most of it for small loops); tinyprune's figures are QEMU instruction counts, which
 * do not depend on it.
 *
 * Position independent (the ROM runs it from SRAM at 0x20041f00): only PC-relative literal
 * loads, no absolute branches. ARMv6-M (Thumb-1) instructions only.
 */
    .syntax unified
    .cpu cortex-m0plus
    .thumb

/* XIP SSI (Synopsys DW_apb_ssi) at XIP_SSI_BASE, datasheet 4.10.13. */
    .equ XIP_SSI_BASE,      0x18000000
    .equ SSI_CTRLR0,        0x00        /* frame format, data frame size, transfer mode */
    .equ SSI_CTRLR1,        0x04        /* NDF: number of data frames - 1 */
    .equ SSI_SSIENR,        0x08        /* enable; the other registers change only while 0 */
    .equ SSI_SER,           0x10        /* slave (chip select) enable */
    .equ SSI_BAUDR,         0x14        /* SCLK = clk_sys / BAUDR (even, >= 2) */
    .equ SSI_SPI_CTRLR0,    0xf4        /* XIP command, address and instruction lengths */

/* CTRLR0: DFS_32 = 31 (32-bit frames, bits 20:16), TMOD = 3 (EEPROM read, bits 9:8),
 * SPI_FRF = 0 (standard one-line SPI, bits 22:21). */
    .equ CTRLR0_XIP,        (31 << 16) | (3 << 8)
/* SPI_CTRLR0: XIP_CMD = 0x03 (READ, bits 31:24), INST_L = 2 (8-bit instruction, bits 9:8),
 * ADDR_L = 6 (24-bit address in 4-bit units, bits 5:2), TRANS_TYPE = 0 (instruction and
 * address on one line, bits 1:0). */
    .equ SPI_CTRLR0_XIP,    (0x03 << 24) | (2 << 8) | (6 << 2)
    .equ BAUD_DIV,          4

/* Where the application's vector table starts: right after these 256 bytes. */
    .equ APP_VECTORS,       0x10000100
    .equ M0PLUS_VTOR,       0xe000ed08

    .section .boot2_code, "ax"
    .global tp_boot2_entry
    .type tp_boot2_entry, %function
    .thumb_func
tp_boot2_entry:
    ldr  r3, =XIP_SSI_BASE
    movs r0, #0
    str  r0, [r3, #SSI_SSIENR]          /* disable the SSI to reconfigure it */
    movs r0, #BAUD_DIV
    str  r0, [r3, #SSI_BAUDR]
    ldr  r0, =CTRLR0_XIP
    str  r0, [r3, #SSI_CTRLR0]
    movs r0, #0
    str  r0, [r3, #SSI_CTRLR1]          /* one 32-bit frame per XIP access */
    movs r0, #1
    str  r0, [r3, #SSI_SER]             /* chip select 0 */
    ldr  r1, =XIP_SSI_BASE + SSI_SPI_CTRLR0   /* beyond STR's 124-byte immediate reach */
    ldr  r0, =SPI_CTRLR0_XIP
    str  r0, [r1]
    movs r0, #1
    str  r0, [r3, #SSI_SSIENR]          /* enable: flash reads through 0x10000000 now work */

    /* Start the application as the core would after reset: vector table base, main stack
     * pointer from word 0, jump to the reset handler in word 1 (its Thumb bit is set). */
    ldr  r0, =APP_VECTORS
    ldr  r1, =M0PLUS_VTOR
    str  r0, [r1]
    ldmia r0!, {r1, r2}
    msr  msp, r1
    bx   r2

    .ltorg
    .size tp_boot2_entry, . - tp_boot2_entry
