/** Facts read from a firmware ELF with the Arm binutils. */
import { execa } from 'execa';

import { TinypruneError } from '../errors.js';
import { findTool } from '../firmware/toolchain.js';

/** Address of tp_mark (Thumb bit cleared): where the instruction-count plugin records marks. */
export async function markAddressOf(elf: string): Promise<number> {
  const nm = findTool('arm-none-eabi-nm');
  const r = await execa(nm, [elf], { reject: false, stdin: 'ignore', timeout: 30_000, encoding: 'utf8' });
  const m = /^([0-9a-f]+)\s+T\s+tp_mark$/m.exec(String(r.stdout));
  if (r.exitCode !== 0 || !m) {
    throw new TinypruneError('E_TOOL_FAILED', `tp_mark not found in ${elf}: cannot count instructions`, {
      where: elf,
      hint: String(r.stderr).trim() || 'the firmware must link firmware/platform (tp_mark.c); rebuild with `tinyprune build`',
    });
  }
  return parseInt(m[1]!, 16) & ~1;
}
