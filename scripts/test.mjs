// `npm test`: every test tier (unit, integration against real servers, e2e in Chromium), then one
// closing line "Summary: N passed, N failed" that CI and people read alike.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { bootstrap, root, run, say } from './bootstrap.mjs';

const [cmd, pre] = bootstrap();
const out = join(root, 'test-results');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const report = join(out, 'vitest.json');
say('running unit, integration and e2e tests (vitest)');
const code = run(cmd, [
  ...pre,
  'exec',
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${report}`,
  ...process.argv.slice(2),
]);
let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed = r.numPassedTests;
  failed = r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0);
  skipped = r.numPendingTests + r.numTodoTests;
  // A file that fails to load has no tests to count: say so instead of passing quietly.
  const broken = r.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
  failed += broken;
} catch {
  failed = Math.max(failed, 1);
  console.error('[walboard] the test report is missing: vitest did not finish');
}
console.log(`Summary: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(code !== 0 || failed > 0 || skipped > 0 ? 1 : 0);
