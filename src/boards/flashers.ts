/**
 * Turning a board profile's flasher entry into a command line: placeholders {elf} {bin} {hex}
 * {uf2} {port} {drive} are replaced by the files of a build. Pure (running the command, and
 * finding the port or the drive, belong to the device layer).
 */
import { TinypruneError } from '../errors.js';
import type { BoardProfile } from './schema.js';

export type Flasher = BoardProfile['flashers'][number];

export const FLASH_PLACEHOLDERS = ['elf', 'bin', 'hex', 'uf2', 'port', 'drive'] as const;
export type FlashFiles = Partial<Record<(typeof FLASH_PLACEHOLDERS)[number], string>>;

export interface FlashCommand {
  tool: string;
  args: string[];
}

export function flasherCommand(board: BoardProfile, flasher: Flasher, files: FlashFiles): FlashCommand {
  const args = flasher.args.map((arg) =>
    arg.replace(/\{([a-z0-9]+)\}/g, (_, key: string) => {
      if (!(FLASH_PLACEHOLDERS as readonly string[]).includes(key)) {
        throw new TinypruneError('E_BOARD', `flasher ${flasher.tool} of ${board.name} uses an unknown placeholder {${key}}`, {
          where: `board ${board.name}: flashers (${flasher.tool})`,
          allowed: FLASH_PLACEHOLDERS.map((p) => `{${p}}`).join(', '),
        });
      }
      const value = files[key as keyof FlashFiles];
      if (value === undefined) {
        throw new TinypruneError('E_USAGE', `flasher ${flasher.tool} needs {${key}}, which was not given`, {
          where: `board ${board.name}: flashers (${flasher.tool})`,
          hint: key === 'port' ? 'pass the serial port (e.g. /dev/ttyACM0)' : key === 'drive' ? `mount the ${flasher.volumeLabel ?? 'USB'} drive and pass its path` : `build a .${key} image first`,
        });
      }
      return value;
    }),
  );
  return { tool: flasher.tool, args };
}
