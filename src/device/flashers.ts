/**
 * The flashers tinyprune can drive, in one string-keyed registry. Command lines come from the
 * board profile ("flashers": tool + argument template, preferred first); a flasher that works
 * the same on every board of its kind (dfu-util, st-flash, bossac, picotool, nrfjprog, GDB)
 * also has a default template, so `--flasher dfu-util` works on a board whose profile does
 * not list it. Placeholders ({elf} {bin} {hex} {uf2} {port} {drive}) are filled by
 * src/boards/flashers.ts.
 *
 * Kinds: 'exec' runs a program (src/util/process.ts: in its own process group, with a timeout
 * and its stderr in the error); 'copy' and 'uf2' copy a file to a USB drive and verify
 * (src/device/drive.ts); 'gdb' loads through a GDB remote target (src/device/gdb.ts) - a
 * probe's GDB server or QEMU's gdbstub.
 */
import type { BoardProfile } from '../boards/index.js';

export type FlasherKind = 'exec' | 'copy' | 'uf2' | 'gdb';

export interface FlasherDef {
  kind: FlasherKind;
  /** The program run (exec, gdb); null for the copies done by tinyprune itself. */
  program: string | null;
  description: string;
  /** How to get the program. */
  install: string;
  /** Default argument template when the board profile has no entry for this flasher. */
  defaultArgs?: (board: BoardProfile) => string[];
  /** Bound on one run. */
  timeoutMs: number;
  /** A hint for a failure, from the tool's output. */
  diagnose?: (output: string) => string | undefined;
}

const hex32 = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;

const usbPermission = 'if it says LIBUSB_ERROR_ACCESS or permission denied, install the probe\'s udev rules (e.g. the openocd or stlink-tools package ships them) and re-plug the board';

export const FLASHERS = {
  openocd: {
    kind: 'exec',
    program: 'openocd',
    description: 'OpenOCD through a debug probe (ST-LINK, CMSIS-DAP, J-Link)',
    install: 'sudo apt-get install openocd',
    timeoutMs: 120_000,
    diagnose: (o: string) =>
      /open failed|no device found|unable to find a matching CMSIS-DAP device/i.test(o)
        ? `no debug probe found: plug the board in (data cable); ${usbPermission}`
        : /LIBUSB_ERROR_ACCESS/i.test(o)
          ? usbPermission
          : /timed out while waiting for target halted|Error connecting DP/i.test(o)
            ? 'the probe cannot halt the chip: hold reset while starting, or check that the target is powered'
            : undefined,
  },
  pyocd: {
    kind: 'exec',
    program: 'pyocd',
    description: 'pyOCD through a CMSIS-DAP / ST-LINK / J-Link probe',
    install: 'pipx install pyocd (Debian\'s python3-pyocd 0.13 is too old)',
    defaultArgs: () => ['flash', '{elf}'],
    timeoutMs: 120_000,
    diagnose: (o: string) => (/No connected debug probes|No available debug probes/i.test(o) ? `no debug probe found: plug the board in; ${usbPermission}` : /Target type .* not recognized/i.test(o) ? 'install the target\'s CMSIS pack: pyocd pack install <target>' : undefined),
  },
  'probe-rs': {
    kind: 'exec',
    program: 'probe-rs',
    description: 'probe-rs through a CMSIS-DAP / ST-LINK / J-Link probe',
    install: 'see https://probe.rs/docs/getting-started/installation/ (e.g. cargo install probe-rs-tools --locked); it is not packaged in Debian',
    timeoutMs: 120_000,
    diagnose: (o: string) => (/No probe|no probes were found/i.test(o) ? `no debug probe found: plug the board in; ${usbPermission}` : undefined),
  },
  'st-flash': {
    kind: 'exec',
    program: 'st-flash',
    description: 'stlink-tools through an ST-LINK',
    install: 'sudo apt-get install stlink-tools',
    defaultArgs: (b: BoardProfile) => ['--reset', 'write', '{bin}', hex32(b.flash.origin)],
    timeoutMs: 120_000,
    diagnose: (o: string) => (/Couldn't find any ST-Link|no ST-LINK|Found 0 stlink programmers/i.test(o) ? `no ST-LINK found: plug the board in; ${usbPermission}` : undefined),
  },
  copy: {
    kind: 'copy',
    program: null,
    description: 'copy the .bin to the DAPLink / ST-LINK USB drive (checked by its FAIL.TXT)',
    install: 'nothing to install: plug the board in so its drive (e.g. NODE_F446RE) is mounted',
    timeoutMs: 60_000,
  },
  uf2: {
    kind: 'uf2',
    program: null,
    description: 'copy a .uf2 to the UF2 bootloader drive (RP2040: hold BOOTSEL while plugging in)',
    install: 'nothing to install: hold BOOTSEL while plugging the board in so its RPI-RP2 drive is mounted',
    timeoutMs: 60_000,
  },
  bossac: {
    kind: 'exec',
    program: 'bossac',
    description: 'BOSSA over the Arduino / SAM-BA bootloader\'s serial port',
    install: 'sudo apt-get install bossa-cli',
    defaultArgs: () => ['--port={port}', '-U', '-i', '-e', '-w', '-v', '{bin}', '-R'],
    timeoutMs: 120_000,
    diagnose: (o: string) => (/No device found|Failed to connect|Port not found/i.test(o) ? 'the bootloader is not running: double-tap the reset button (the LED pulses), then run again within a few seconds; the bootloader\'s port may differ from the application\'s (pass --port)' : undefined),
  },
  'dfu-util': {
    kind: 'exec',
    program: 'dfu-util',
    description: 'USB DFU bootloader (STM32 system bootloader: BOOT0 high, then reset)',
    install: 'sudo apt-get install dfu-util',
    defaultArgs: (b: BoardProfile) => ['-a', '0', '-s', `${hex32(b.flash.origin)}:leave`, '-D', '{bin}'],
    timeoutMs: 120_000,
    diagnose: (o: string) => (/No DFU capable USB device/i.test(o) ? 'no board in DFU mode: set BOOT0 high (or hold the BOOT button) and reset, then run again' : /LIBUSB_ERROR_ACCESS|Cannot open DFU device/i.test(o) ? usbPermission : undefined),
  },
  picotool: {
    kind: 'exec',
    program: 'picotool',
    description: 'picotool over the RP2040 BOOTSEL USB interface',
    install: 'build it from https://github.com/raspberrypi/picotool (not packaged in Debian 12)',
    defaultArgs: () => ['load', '-x', '{uf2}'],
    timeoutMs: 120_000,
    diagnose: (o: string) => (/No accessible RP2040 devices in BOOTSEL mode/i.test(o) ? 'hold BOOTSEL while plugging the board in' : undefined),
  },
  nrfjprog: {
    kind: 'exec',
    program: 'nrfjprog',
    description: 'Nordic nrfjprog through the on-board J-Link',
    install: 'install the nRF Command Line Tools from nordicsemi.com',
    defaultArgs: () => ['--program', '{hex}', '--sectorerase', '--verify', '--reset'],
    timeoutMs: 120_000,
  },
  gdb: {
    kind: 'gdb',
    program: 'gdb-multiarch',
    description: 'GDB remote load: QEMU\'s gdbstub, or a probe\'s GDB server (OpenOCD/pyOCD :3333, J-Link :2331)',
    install: 'sudo apt-get install gdb-multiarch',
    defaultArgs: () => [],
    timeoutMs: 120_000,
    diagnose: (o: string) => (/Connection refused|Connection timed out/i.test(o) ? 'no GDB server at that address: start one (e.g. `openocd -f board/<board>.cfg`, `pyocd gdbserver`) or pass --gdb-remote host:port' : undefined),
  },
} satisfies Record<string, FlasherDef>;

export type FlasherName = keyof typeof FLASHERS;
export const FLASHER_NAMES = Object.keys(FLASHERS) as FlasherName[];

/** `--flasher` spellings that mean a registry entry. */
const ALIASES: Record<string, FlasherName> = { 'mass-storage': 'copy', daplink: 'copy', 'gdb-multiarch': 'gdb', 'gdb-remote': 'gdb', 'stlink': 'st-flash' };

export function flasherByName(name: string): FlasherName | undefined {
  const n = name.toLowerCase();
  if ((FLASHER_NAMES as string[]).includes(n)) return n as FlasherName;
  return ALIASES[n];
}

/** Which registry entry a board-profile entry is (a "copy" of {uf2} is the UF2 flasher). */
export function registryNameOf(entry: BoardProfile['flashers'][number]): FlasherName | undefined {
  if (entry.tool === 'copy') return entry.args.some((a) => a.includes('{uf2}')) ? 'uf2' : 'copy';
  return flasherByName(entry.tool);
}
