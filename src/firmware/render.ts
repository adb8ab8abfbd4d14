/**
 * Rendering of the firmware build's templates (templates/linker/*.hbs) through the project's
 * C template instance (src/templates.ts: noEscape, strict).
 */
import { renderTemplateFile } from '../templates.js';

export function renderTemplate(name: string, view: object): string {
  return renderTemplateFile(`linker/${name}`, view);
}

/** 0x-prefixed, 8 hex digits: how addresses appear in datasheets and linker maps. */
export function hex32(n: number): string {
  return '0x' + (n >>> 0).toString(16).toUpperCase().padStart(8, '0');
}
