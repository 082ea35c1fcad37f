// The README's command that regenerates its Lab pictures, run as written but into a temporary
// folder instead of ../docs/images (the committed pictures stay as they are).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, runToEnd } from './run-command.ts';

const LAB_SCREENS = 'pnpm --filter @walboard/e2e exec tsx support/lab-screens.ts ../docs/images';

describe('README: regenerating the Lab pictures', () => {
  const out = mkdtempSync(join(tmpdir(), 'walboard-screens-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it(`${LAB_SCREENS} (into a temporary folder)`, () => {
    const r = runToEnd(LAB_SCREENS.replace('../docs/images', out), repoRoot, undefined, 280_000);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    for (const name of ['lab-step.en.png', 'lab-step.es.png', 'wal-journey.en.png', 'wal-journey.es.png']) {
      const png = readFileSync(join(out, name));
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      expect(png.length).toBeGreaterThan(10_000);
    }
  }, 300_000);
});
