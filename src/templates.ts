/**
 * The one place Handlebars is configured: noEscape (C is not HTML: '&' stays '&') and strict
 * (a missing field is an error, never an empty string in generated code). Templates live in
 * templates/ at the package root; views are plain data whose C text was produced by the
 * tested helpers in src/codegen/cgen.ts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { TinypruneError } from './errors.js';
import { packageRoot } from './util/paths.js';

const hbs = Handlebars.create();
const compiled = new Map<string, Handlebars.TemplateDelegate>();

export function templatesDir(): string {
  return path.join(packageRoot(), 'templates');
}

/** Render templates/<name> with `view`. */
export function renderTemplateFile(name: string, view: object): string {
  const file = path.join(templatesDir(), name);
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
