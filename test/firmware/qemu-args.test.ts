/** qemuArgs: the one QEMU argument list of run, bench and flash (pure, so tested exactly). */
import { describe, expect, test } from 'vitest';

import { resolveTarget } from '../../src/boards/index.js';
import { TinypruneError } from '../../src/errors.js';
import { qemuArgs, qemuMachineOf, qemuOpt } from '../../src/firmware/qemu-args.js';

const an386 = qemuMachineOf(resolveTarget('mps2-an386', { emulate: true }));

const valueOf = (args: string[], flag: string): string | undefined => {
  const i = args.indexOf(flag);
  return i < 0 ? undefined : args[i + 1];
};

describe('qemuArgs', () => {
  test('run: UART on stdio, semihosting to its file, -no-reboot, the kernel last', () => {
    const args = qemuArgs({ ...an386, serial: 'stdio', semihostFile: '/t/semi.txt', icount: true, kernel: '/b/firmware.elf' });
    expect(args).toEqual([
      '-M', 'mps2-an386', '-display', 'none', '-monitor', 'none', '-serial', 'stdio',
      '-chardev', 'file,id=tpsemi,path=/t/semi.txt', '-semihosting-config', 'enable=on,target=native,chardev=tpsemi',
      '-no-reboot', '-icount', 'shift=0,align=off,sleep=off', '-kernel', '/b/firmware.elf',
    ]);
  });

  test('bench: a pty, the counting plugin with tp_mark in hex; no -icount when not asked', () => {
    const args = qemuArgs({ ...an386, serial: 'pty', semihostFile: '/t/s', icount: false, plugin: { path: '/c/tp.so', markAddress: 0x1234, out: '/t/marks.txt' }, kernel: '/b/bench.elf' });
    expect(valueOf(args, '-serial')).toBe('pty');
    expect(valueOf(args, '-plugin')).toBe('/c/tp.so,mark=0x1234,out=/t/marks.txt');
    expect(args).not.toContain('-icount');
    expect(args.slice(-2)).toEqual(['-kernel', '/b/bench.elf']);
  });

  test('the plugin prices estimated cycles only when given a core (opt-in)', () => {
    const plugin = { path: '/c/tp.so', markAddress: 0x1234, out: '/t/marks.txt' };
    const base = { ...an386, serial: 'stdio', semihostFile: '/t/s', icount: true, kernel: '/b/firmware.elf' } as const;
    expect(valueOf(qemuArgs({ ...base, plugin: { ...plugin, core: 'cortex-m4' } }), '-plugin')).toBe('/c/tp.so,mark=0x1234,core=cortex-m4,out=/t/marks.txt');
    expect(valueOf(qemuArgs({ ...base, plugin }), '-plugin')).not.toContain('core=');
  });

  test('flash through the gdbstub: halted, no kernel, no -no-reboot (GDB resets after the load), semihosting still on its chardev', () => {
    const args = qemuArgs({ ...an386, serial: 'pty', semihostFile: '<tmp>/semihost.txt', icount: true, gdb: '127.0.0.1:1234' });
    expect(args.slice(-3)).toEqual(['-gdb', 'tcp:127.0.0.1:1234', '-S']);
    expect(args).not.toContain('-kernel');
    expect(args).not.toContain('-no-reboot');
    expect(valueOf(args, '-chardev')).toBe('file,id=tpsemi,path=<tmp>/semihost.txt');
  });

  test('the board file\'s -cpu and extra arguments, then the caller\'s; commas in paths are escaped', () => {
    const args = qemuArgs({ machine: 'mps2-an386', cpu: 'cortex-m4', extraArgs: ['-m', '16'], serial: 'stdio', semihostFile: '/t/a,b', icount: false, kernel: '/k.elf', userArgs: ['-d', 'guest_errors'] });
    expect(valueOf(args, '-cpu')).toBe('cortex-m4');
    expect(args.join(' ')).toContain('-m 16 -d guest_errors -kernel /k.elf');
    expect(valueOf(args, '-chardev')).toBe('file,id=tpsemi,path=/t/a,,b');
    expect(qemuOpt('x,y,z')).toBe('x,,y,,z');
  });

  test('neither a kernel nor a gdbstub is a usage error; a device target has no QEMU machine', () => {
    expect(() => qemuArgs({ ...an386, serial: 'pty', semihostFile: '/s', icount: false })).toThrow(TinypruneError);
    const device = resolveTarget('nucleo-f446re', { emulate: false });
    expect(() => qemuMachineOf(device)).toThrow(/cannot run in QEMU/);
  });
});
