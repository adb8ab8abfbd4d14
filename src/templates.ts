/**
 * The one place Handlebars is configured. Two instances, created once, templates compiled once:
 * - C (generated sources, linker scripts, exports): noEscape (C is not HTML: '&' stays '&');
 * - HTML (report.html): Handlebars' escaping of every {{value}} (& < > " ' ` =), so a view
 *   carries plain text and nothing in it can become markup.
 * Both are strict: a missing field is an error, never an empty string in the output. No
 * helpers are registered: views are plain data whose text was produced by tested helpers
 * (src/codegen/cgen.ts, src/report/format.ts). Templates live in templates/ at the package root.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { TinypruneError } from './errors.js';
import { packageRoot } from './util/paths.js';

type Flavour = 'c' | 'html';

const INSTANCES: Record<Flavour, { hbs: typeof Handlebars; options: CompileOptions }> = {
  c: { hbs: Handlebars.create(), options: { noEscape: true, strict: true } },
  html: { hbs: Handlebars.create(), options: { strict: true } },
};
const compiled = new Map<string, Handlebars.TemplateDelegate>();

export function templatesDir(): string {
  return path.join(packageRoot(), 'templates');
}

function render(flavour: Flavour, name: string, view: object): string {
  const file = path.join(templatesDir(), name);
  const key = `${flavour}:${file}`;
  let tpl = compiled.get(key);
  if (!tpl) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new TinypruneError('E_FILE_READ', `cannot read template ${file}`, { where: file, cause: e });
    }
    const { hbs, options } = INSTANCES[flavour];
    tpl = hbs.compile(text, options);
    compiled.set(key, tpl);
  }
  try {
    return tpl(view);
  } catch (e) {
    throw new TinypruneError('E_CODEGEN', `template ${name} failed: ${(e as Error).message}`, { where: file, cause: e });
  }
}

/** Render templates/<name> (C, linker script, build files) with `view`; nothing is escaped. */
export function renderTemplateFile(name: string, view: object): string {
  return render('c', name, view);
}

/** Render templates/<name> (HTML) with `view`: every {{value}} is HTML-escaped. */
export function renderHtmlTemplate(name: string, view: object): string {
  return render('html', name, view);
}
