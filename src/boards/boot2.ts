/** Facts about boards that boot through a second-stage bootloader (the code is src/firmware/boot2.ts). */
import type { Warning } from '../errors.js';
import type { BoardProfile } from './schema.js';

/**
 * The warning a build or flash of such a board carries until its boot2 has been run on the
 * real chip (the profile's "boot2.testedOnHardware"): nothing here can execute the RP2040's
 * boot ROM, so the image is checked (size, CRC, vector table) but not proven to boot.
 */
export function boot2Warning(board: BoardProfile): Warning | undefined {
  if (!board.boot2 || board.boot2.testedOnHardware) return undefined;
  return {
    code: 'W_BOOT2_UNTESTED',
    message: `${board.name}'s second-stage bootloader (${board.boot2.kind}) is written from the RP2040 datasheet and checked here (size, CRC-32, vector table), but it has not yet run on a real ${board.name}: if the board does not start, please report it`,
    where: `board ${board.name}: boot2`,
  };
}
