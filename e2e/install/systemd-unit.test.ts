// deploy/systemd/walboard.service, checked by systemd itself: `systemd-analyze verify` must accept
// it without a single warning (it exits 0 on unknown keys and bad values, only printing them), and
// `systemd-analyze security --offline` rates its exposure. Where systemd-analyze is missing the
// tests are skipped — visible as skipped, which makes `npm test` fail, never pass (.ci/run installs
// the systemd package).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runToEnd } from './run-command.ts';

const SECURITY = 'systemd-analyze security --offline=yes deploy/systemd/walboard.service';

const UNIT = join(repoRoot, 'deploy/systemd/walboard.service');
const present = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!present)(
  `deploy/systemd/walboard.service${present ? '' : ' — NOT CHECKED: systemd-analyze is not installed (apt-get install systemd)'}`,
  () => {
    it('systemd-analyze verify accepts it without a warning', () => {
      const r = spawnSync('systemd-analyze', ['verify', '--man=no', UNIT], { encoding: 'utf8' });
      expect(r.stderr.trim()).toBe('');
      expect(r.status).toBe(0);
    });

    it('a broken copy is caught by the same check (the check can fail)', () => {
      const dir = join(repoRoot, '.e2e-artifacts');
      mkdirSync(dir, { recursive: true });
      const broken = join(dir, 'walboard.service');
      writeFileSync(
        broken,
        readFileSync(UNIT, 'utf8').replace('ProtectSystem=strict', 'ProtectSystem=strickt'),
      );
      const r = spawnSync('systemd-analyze', ['verify', '--man=no', broken], { encoding: 'utf8' });
      expect(r.stderr).toContain('strickt');
    });

    it('runs as its own user, read-only system, state under StateDirectory, secrets from a file', () => {
      const unit = readFileSync(UNIT, 'utf8');
      expect(unit).toMatch(/^User=walboard$/m);
      expect(unit).toMatch(/^ProtectSystem=strict$/m);
      expect(unit).toMatch(/^StateDirectory=walboard$/m);
      expect(unit).toMatch(/^StateDirectoryMode=0700$/m);
      expect(unit).toMatch(/^EnvironmentFile=-\/etc\/walboard\/walboard\.env$/m);
      expect(unit).toMatch(
        /^ExecStart=\/usr\/bin\/node --conditions=walboard-built \/opt\/walboard\/bin\/walboard\.js --config \/etc\/walboard\/walboard\.yaml$/m,
      );
    });

    it(`${SECURITY} rates its exposure 2.0 or lower ("OK")`, () => {
      const r = runToEnd(SECURITY, repoRoot);
      const level = /Overall exposure level for walboard\.service: ([\d.]+)/.exec(r.stdout)?.[1];
      expect(level, r.stdout + r.stderr).toBeDefined();
      expect(Number(level)).toBeLessThanOrEqual(2.0);
    });
  },
);
