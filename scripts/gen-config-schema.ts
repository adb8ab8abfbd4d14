/**
 * Writes docs/tinyprune.config.schema.json from the option table (src/config/options.ts, via src/config/schema.ts).
 * Run `npm run gen:config-schema` after changing an option (src/config/options.ts); test/config/config.test.ts
 * fails while the committed file is stale.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_SCHEMA_FILE, configJsonSchemaText } from '../src/config/schema.js';

const file = join(dirname(fileURLToPath(import.meta.url)), '..', CONFIG_SCHEMA_FILE);
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, configJsonSchemaText());
process.stdout.write(`wrote ${CONFIG_SCHEMA_FILE}\n`);
