// `npm test`: every test tier (unit, integration against real servers, e2e in Chromium), then one
// closing line "Summary: N passed, N failed" that CI and people read alike. The e2e tier runs
// after the others, not beside them: its timing checks (unreachable within 2 s) measure walboard,
// not a machine busy with other tests.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { bootstrap, root, run, say } from './bootstrap.mjs';

const [cmd, pre] = bootstrap();
const out = join(root, 'test-results');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const extra = process.argv.slice(2);
const stages = extra.length
  ? [{ name: 'selected', args: extra }]
  : [
      { name: 'unit-integration', args: ['--project', 'shared', '--project', 'server', '--project', 'web'] },
      { name: 'e2e', args: ['--project', 'e2e'] },
    ];

let passed = 0;
let failed = 0;
let skipped = 0;
let exitCode = 0;
for (const stage of stages) {
  const report = join(out, `${stage.name}.json`);
  say(`running ${stage.name} tests (vitest)`);
  const code = run(cmd, [
    ...pre,
    'exec',
    'vitest',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    ...stage.args,
  ]);
  if (code !== 0) exitCode = code;
  try {
    const r = JSON.parse(readFileSync(report, 'utf8'));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += r.numPendingTests + r.numTodoTests;
    // A file that fails to load has no tests to count: count it as a failure, never as a pass.
    failed += r.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
  } catch {
    failed += 1;
    console.error(`[walboard] the ${stage.name} report is missing: vitest did not finish`);
  }
}
console.log(`Summary: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(exitCode !== 0 || failed > 0 || skipped > 0 ? 1 : 0);
