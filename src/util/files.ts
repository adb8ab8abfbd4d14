import { closeSync, openSync, readFileSync, renameSync, statSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { TinypruneError } from '../errors.js';

/** Inputs larger than this are refused before reading: a model or tensor for an MCU is far smaller. */
export const MAX_INPUT_FILE_BYTES = 512 * 1024 * 1024;

/** Read a whole input file with typed errors (not found, a directory, unreadable, too large). */
export function readInputFile(path: string, what = 'file'): Uint8Array {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) {
      throw new TinypruneError('E_FILE_READ', `${what} is a directory, not a file`, { where: path, hint: 'pass the path of a file' });
    }
    size = st.size;
  } catch (e) {
    if (e instanceof TinypruneError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new TinypruneError('E_FILE_NOT_FOUND', `${what} not found`, { where: path, hint: 'check the path (relative paths are from the current directory)' });
    }
    throw new TinypruneError('E_FILE_READ', `cannot read ${what}: ${(e as Error).message}`, { where: path, cause: e });
  }
  if (size > MAX_INPUT_FILE_BYTES) {
    throw new TinypruneError('E_TFLITE_LIMIT', `${what} is ${size} bytes; tinyprune reads at most ${MAX_INPUT_FILE_BYTES} bytes`, {
      where: path,
      hint: 'a model for a microcontroller is far smaller; check that this is the right file',
    });
  }
  try {
    const buf = readFileSync(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new TinypruneError('E_FILE_READ', `cannot read ${what} (${code ?? 'error'}): ${(e as Error).message}`, {
      where: path,
      hint: code === 'EACCES' ? 'check the file permissions' : undefined,
      cause: e,
    });
  }
}

/**
 * Write a file so that readers never see a partial one: write a temporary sibling, then rename.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(tmp, 'w');
    try {
      writeFileSync(fd, data);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new TinypruneError('E_OUTPUT', `cannot write ${path}: ${(e as Error).message}`, {
      where: path,
      hint: 'check that the directory exists and is writable',
      cause: e,
    });
  }
}
