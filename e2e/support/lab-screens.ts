// Screenshots of the Lab view for the README: `pnpm --filter @walboard/e2e exec tsx support/lab-screens.ts <outdir>`
// (a Lab step and the WAL journey, in English and Spanish).
// Makes its own embedded lab in /var/tmp, runs the first stages so the pictures show progress, and
// writes one picture per language. Not a test: it asserts nothing and is run by hand.
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { LabPage } from '../pom/lab-page.ts';
import { launchChromium } from './browser.ts';
import { startLabApp } from './lab-app.ts';

const out = resolve(process.argv[2] ?? 'screens');
const upTo = Number(process.argv[3] ?? 6);
await mkdir(out, { recursive: true });
const labApp = await startLabApp('walboard-screens');
const browser = await launchChromium();
try {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(labApp.link);
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
  await labApp.close();
}
