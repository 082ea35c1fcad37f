// Screenshots of the Lab view for the README: `pnpm --filter @walboard/e2e exec tsx support/lab-screens.ts <outdir>`
// (a Lab step and the WAL journey, in English and Spanish).
// Makes its own embedded lab in /var/tmp, runs the first stages so the pictures show progress, and
// writes one picture per language. Not a test: it asserts nothing and is run by hand.
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { buildApp } from '@walboard/server/src/app.ts';
import { createOrReuseLab } from '@walboard/server/src/lab/create-lab.ts';
import { freePort } from '@walboard/server/src/nodes/test-support/sshd-fixture.ts';
import { LabPage } from '../pom/lab-page.ts';
import { launchChromium } from './browser.ts';
import { WEB_DIST } from './walboard.ts';

const out = resolve(process.argv[2] ?? 'screens');
const upTo = Number(process.argv[3] ?? 6);
await mkdir(out, { recursive: true });
const dir = await mkdtemp('/var/tmp/walboard-screens-');
await chmod(dir, 0o755);
const lab = await createOrReuseLab({
  dir: join(dir, 'lab'),
  ports: [await freePort(), await freePort()],
  log: () => {},
});
const app = await buildApp({ config: lab.config, env: lab.env, webDist: WEB_DIST, announce: () => {} });
await app.listen({ host: '127.0.0.1', port: 0 });
const addr = app.server.address();
const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
const browser = await launchChromium();
try {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(app.labLink?.url(base) ?? base);
  const lab1 = new LabPage(page);
  await lab1.waitForLoaded();
  const steps = ['prepare', 'link', 'shipping', 'base-backup', 'standby-config', 'start'] as const;
  for (const id of steps.slice(0, upTo)) {
    await lab1.run(id);
    await lab1.check(id);
  }
  // Something to watch on the journey: rows written, then a segment closed.
  await page.getByTestId('journey-write-rows').click();
  await page.waitForTimeout(1500);
  for (const lang of ['en', 'es'] as const) {
    await page.getByTestId(`lang-${lang}`).click();
    await page.waitForTimeout(500);
    await lab1.step('shipping').scrollIntoViewIfNeeded();
    await lab1.step('shipping').screenshot({ path: join(out, `lab-step.${lang}.png`) });
    await page.getByTestId('wal-journey').screenshot({ path: join(out, `wal-journey.${lang}.png`) });
  }
} finally {
  await browser.close();
  await app.close();
  await lab.stop();
  await rm(dir, { recursive: true, force: true });
}
