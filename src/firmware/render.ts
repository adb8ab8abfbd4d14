/**
 * Rendering of the firmware build's templates (templates/linker/*.hbs). Handlebars with
 * noEscape (C and linker scripts are not HTML: '&' must stay '&') and strict (a missing field
 * is an error, never an empty string in the output). Its own Handlebars instance, so helpers
 * registered elsewhere cannot change these files.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import Handlebars from 'handlebars';

import { TinypruneError } from '../errors.js';
import { linkerTemplatesDir } from './paths.js';

const hbs = Handlebars.create();
const compiled = new Map<string, Handlebars.TemplateDelegate>();

export function renderTemplate(name: string, view: object): string {
  const file = path.join(linkerTemplatesDir(), name);
  let tpl = compiled.get(file);
  if (!tpl) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new TinypruneError('E_FILE_READ', `cannot read template ${file}`, { where: file, cause: e });
    }
    tpl = hbs.compile(text, { noEscape: true, strict: true });
    compiled.set(file, tpl);
  }
  try {
    return tpl(view);
  } catch (e) {
    throw new TinypruneError('E_CODEGEN', `template ${name} failed: ${(e as Error).message}`, { where: file, cause: e });
  }
}

/** 0x-prefixed, 8 hex digits: how addresses appear in datasheets and linker maps. */
export function hex32(n: number): string {
  return '0x' + (n >>> 0).toString(16).toUpperCase().padStart(8, '0');
}
