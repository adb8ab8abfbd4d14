// `npm test`: type-check, check the dependency rules (.dependency-cruiser.cjs), run the whole vitest suite, and end with one plain summary line
// ("N passed, N failed, N skipped") that CI systems read without knowing vitest.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit' }).status ?? 1;

if (run('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']) !== 0) {
  console.log('type check failed');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
if (run('npx', ['depcruise', '--config', '.dependency-cruiser.cjs', '--output-type', 'err', 'src']) !== 0) {
  console.log('dependency check failed: src/ breaks a rule of .dependency-cruiser.cjs (see above; `npm run lint:deps` repeats it)');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const report = join(mkdtempSync(join(tmpdir(), 'tp-test-')), 'vitest.json');
const status = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)]);
let summary = '';
try {
  const j = JSON.parse(readFileSync(report, 'utf8'));
  const skipped = (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
  summary = `${j.numPassedTests} passed, ${j.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`;
  if (j.numTotalTests === 0 && status === 0) {
    console.log('no tests ran');
    process.exit(1);
  }
} catch {
  summary = `0 passed, 1 failed`;
}
console.log(summary);
process.exit(status);
