/**
 * The board profile schema (boards/*.json). One declaration gives the BoardProfile type, the
 * validator (src/boards/index.ts) and boards/board.schema.json (pinned by
 * test/boards/schema.test.ts; regenerate with TP_UPDATE_SCHEMA=1 npx vitest run test/boards).
 */
import { s, toJsonSchema, type Infer, type JsonSchema } from './spec.js';

export const CORES = [
  'cortex-m0',
  'cortex-m0plus',
  'cortex-m3',
  'cortex-m4',
  'cortex-m7',
  'cortex-m33',
  'cortex-m55',
] as const;
export type Core = (typeof CORES)[number];

export const FPUS = ['none', 'fpv4-sp-d16', 'fpv5-sp-d16', 'fpv5-d16'] as const;
export type Fpu = (typeof FPUS)[number];

export const UART_KINDS = ['cmsdk', 'pl011', 'nrf51', 'nrf52-uarte', 'stm32-usart', 'rp2040'] as const;
export type UartKind = (typeof UART_KINDS)[number];

/** The QEMU 7.2 machines that boot tinyprune firmware (docs: FIRMWARE.md, all 8 verified). */
export const QEMU_MACHINES = [
  'mps2-an385',
  'mps2-an386',
  'mps2-an500',
  'mps2-an505',
  'mps3-an547',
  'lm3s6965evb',
  'microbit',
  'netduinoplus2',
] as const;
export type QemuMachine = (typeof QEMU_MACHINES)[number];

const region = (what: string) =>
  s.object(
    {
      origin: s.bytes({ description: `Start address of the ${what} region` }),
      size: s.bytes({ description: `Size of the ${what} region in bytes`, min: 1 }),
    },
    { description: `The ${what} region the linker script places code/data in` },
  );

export const boardSpec = s.object(
  {
    name: s.string({
      description: 'Board name; must equal the file name without .json',
      pattern: /^[a-z0-9][a-z0-9-]*$/,
      patternHint: 'lowercase letters, digits and "-", starting with a letter or digit',
    }),
    description: s.string({ description: 'One line for humans: the board and its chip', minLength: 1 }),
    core: s.enum(CORES, { description: 'Arm Cortex-M core (passed to gcc as -mcpu)' }),
    fpu: s.enum(FPUS, {
      description: 'Floating-point unit; "none" builds with -mfloat-abi=soft',
      default: 'none',
    }),
    dsp: s.bool({ description: 'DSP extension (SMLAD & co.): Cortex-M4/M7/M55 always, M33 optionally', default: false }),
    mve: s.enum(['none', 'int', 'float'] as const, {
      description: 'Helium (M-profile Vector Extension), Cortex-M55 only',
      default: 'none',
    }),
    clockHz: s.int({
      description:
        'Core clock the firmware runs at, in Hz. tinyprune does no PLL setup, so on a real board this is the clock after reset (plus what "init" writes configure)',
      min: 1,
    }),
    maxClockHz: s.int({ description: 'Rated maximum core clock in Hz (for reference and reports)', min: 1, optional: true }),
    flash: region('flash'),
    ram: region('RAM'),
    regions: s.array(
      s.object(
        {
          name: s.string({
            description: 'Region name; the linker script gets a MEMORY region NAME (upper case) and a NOLOAD section .name',
            pattern: /^[a-z][a-z0-9_]*$/,
            patternHint: 'lowercase letters, digits and "_", starting with a letter',
          }),
          origin: s.bytes({ description: 'Start address' }),
          size: s.bytes({ description: 'Size in bytes', min: 1 }),
          description: s.string({ description: 'What the region is (e.g. "DTCM, zero wait state")', optional: true }),
        },
        { description: 'An extra memory region' },
      ),
      { description: 'Extra memory regions beyond flash and ram (TCMs, other SRAM banks)', default: [] },
    ),
    reservedBytes: s.object(
      {
        flash: s.bytes({ description: 'Flash kept for the firmware runtime (startup, UART, benchmark app)', default: 16384 }),
        ram: s.bytes({ description: 'RAM kept for the firmware runtime (stack, heap, globals of the app)', default: 8192 }),
      },
      { description: 'Bytes the model may not use (the rest is the budget for weights / arena)' },
    ),
    stackBytes: s.bytes({ description: 'Stack size reserved by the linker script', default: 4096, min: 256 }),
    heapBytes: s.bytes({ description: 'Heap size reserved by the linker script (newlib malloc/printf)', default: 2048 }),
    uart: s.object(
      {
        kind: s.enum(UART_KINDS, { description: 'UART peripheral type (one driver per kind in firmware/platform)' }),
        base: s.bytes({ description: 'Base address of the console UART' }),
        baud: s.int({ description: 'Baud rate', default: 115200, min: 300 }),
        clockHz: s.int({ description: 'Clock feeding the UART baud generator; default: clockHz', min: 1, optional: true }),
        variant: s.enum(['sr', 'isr', 'lpuart'] as const, {
          description:
            'stm32-usart register layout: "sr" (F1/F2/F4: SR/DR), "isr" (F0/F3/F7/L4/H7/U5: ISR/TDR/RDR), "lpuart" (isr layout, LPUART divisor)',
          optional: true,
        }),
        txPin: s.int({ description: 'TX pin for Nordic UARTs (port * 32 + pin)', min: 0, max: 63, optional: true }),
        rxPin: s.int({ description: 'RX pin for Nordic UARTs (port * 32 + pin)', min: 0, max: 63, optional: true }),
      },
      { description: 'The console UART' },
    ),
    init: s.array(
      s.object(
        {
          op: s.enum(['write', 'modify', 'wait'] as const, {
            description: 'write: *address = value; modify: *address = (*address & ~mask) | value; wait: until (*address & mask) == value',
          }),
          address: s.bytes({ description: 'Register address' }),
          mask: s.bytes({ description: 'Bits cleared (modify) or tested (wait)', default: 0xffffffff }),
          value: s.bytes({ description: 'Value written / OR-ed in / waited for' }),
          why: s.string({ description: 'What the write does (clock gate, pin mux...)', minLength: 1 }),
        },
        { description: 'One register operation' },
      ),
      { description: 'Register writes done by the startup code before main() (clock gates, pin muxing)', default: [] },
    ),
    semihosting: s.bool({
      description: 'Exit and stderr via semihosting (BKPT 0xAB). Default: true under QEMU, false on real boards (BKPT without a debugger faults)',
      optional: true,
    }),
    flashers: s.array(
      s.object(
        {
          tool: s.string({ description: 'Program to run (openocd, st-flash, pyocd, probe-rs, bossac, picotool, nrfjprog, copy ...)', minLength: 1 }),
          args: s.array(s.string({ description: 'An argument; {elf} {bin} {hex} {uf2} {port} {drive} are replaced' }), {
            description: 'Arguments',
            default: [],
          }),
          volumeLabel: s.string({ description: 'For "copy": the USB drive label to copy the image to', optional: true }),
          description: s.string({ description: 'When to use this flasher', optional: true }),
        },
        { description: 'One way of flashing the board' },
      ),
      { description: 'Ways to flash the board, preferred first', default: [] },
    ),
    serial: s.object(
      {
        usbVid: s.string({ description: 'USB vendor id of the serial port, 4 lowercase hex digits', pattern: /^[0-9a-f]{4}$/, patternHint: '4 lowercase hex digits, e.g. "0483"' }),
        usbPid: s.string({ description: 'USB product id of the serial port, 4 lowercase hex digits', pattern: /^[0-9a-f]{4}$/, patternHint: '4 lowercase hex digits, e.g. "374b"' }),
        baud: s.int({ description: 'Baud rate', default: 115200, min: 300 }),
        description: s.string({ description: 'What the port is (e.g. "ST-LINK/V2-1 virtual COM port")', optional: true }),
      },
      { description: 'How to find the board\'s serial port on the host', optional: true },
    ),
    qemu: s.object(
      {
        machine: s.enum(QEMU_MACHINES, { description: 'qemu-system-arm -M machine' }),
        cpu: s.string({ description: 'qemu-system-arm -cpu (only if the machine accepts another CPU)', optional: true }),
        extraArgs: s.array(s.string({ description: 'An argument' }), { description: 'Extra qemu-system-arm arguments', default: [] }),
      },
      { description: 'For emulated boards: the QEMU machine', optional: true },
    ),
    boot2: s.object(
      {
        kind: s.enum(['rp2040-w25q080'] as const, { description: 'Which second-stage bootloader (firmware/platform/rp2040/tp_boot2_rp2040.S: XIP with the 03h READ command)' }),
        testedOnHardware: s.bool({ description: 'Set once a build with this boot2 has started on the real board; until then build and flash warn', default: false }),
      },
      { description: 'Boards that boot from external QSPI flash through a 256-byte second-stage bootloader at the start of flash (RP2040): tinyprune assembles it, appends the boot ROM\'s CRC-32 and links the vector table after it', optional: true },
    ),
    emulateWith: s.string({
      description: 'For real boards: the QEMU board profile of the same core used by --emulate (its memory limits are the real board\'s)',
      optional: true,
    }),
    notes: s.array(s.string({ description: 'A note' }), { description: 'Known limitations and facts worth knowing', default: [] }),
  },
  { description: 'A tinyprune board profile' },
);

/** A validated board profile with defaults filled in. */
export type BoardProfile = Infer<typeof boardSpec>;

/** The JSON Schema committed as boards/board.schema.json. */
export function boardJsonSchema(): JsonSchema {
  const schema = toJsonSchema(boardSpec);
  const props = schema['properties'] as Record<string, unknown>;
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'urn:tinyprune:board-profile',
    title: 'tinyprune board profile',
    ...schema,
    // Editors use "$schema" in the file itself to find this schema.
    properties: { $schema: { description: 'Path or URL of this schema', type: 'string' }, ...props },
  };
}
