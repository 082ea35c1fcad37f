// El laboratorio en la vista Laboratorio, en español, sobre dos hosts de prueba «desnudos»
// (PostgreSQL 15 recién inicializado, sshd, rsync, cada uno en su espacio de red): la estudiante
// pulsa Ejecutar y Comprobar en cada etapa, desde dos servidores sin replicación hasta un standby
// promovido. Aquí el enlace es ssh de verdad (clave nueva, known_hosts desde el registro de
// walboard) y los segmentos viajan por rsync+ssh. El estado final se prueba con SQL del propio test.
import { readdir } from 'node:fs/promises';
import { LAB_STEP_IDS } from '@walboard/shared/guide';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostInfo, type HostsRun, psql } from '../hosts/harness.ts';
import { LabPage } from '../pom/lab-page.ts';
import { signInContext } from '../support/browser.ts';
import { type WalboardOnHosts, walboardOnHosts } from '../support/walboard-on-hosts.ts';

describe('la vista Laboratorio en español, en dos hosts desnudos con ssh', () => {
  let t: WalboardOnHosts;
  let run: HostsRun;
  let h2: HostInfo;
  let context: BrowserContext;
  let student: LabPage;

  beforeAll(async () => {
    t = await walboardOnHosts({ versions: [15, 15], bare: true, browser: true, signedIn: false });
    run = t.run;
    h2 = run.hosts[1] as HostInfo;
    const browser = t.browser?.browser;
    if (!browser) throw new Error('no browser');
    // A browser whose preferred language is Spanish: the page speaks Spanish without a click.
    context = await browser.newContext({ locale: 'es-ES' });
    await signInContext(context, t.wb.url, t.wb.admin.cookie);
    student = new LabPage(await context.newPage());
    await student.page.goto(`${t.wb.url}/#/lab`);
    await student.waitForLoaded();
  }, 180_000);
  afterAll(async () => {
    await context?.close();
    await t?.close();
  });

  const p = () => student.page;

  it('habla español: etapas, explicación y progreso', async () => {
    expect(await p().locator('html').getAttribute('lang')).toBe('es');
    expect(await p().getByTestId('nav-lab').textContent()).toBe('Laboratorio');
    expect(await student.step('prepare').locator('h2').textContent()).toContain('Preparar los servidores');
    expect(await student.step('link').getByTestId('lab-step-why').textContent()).toContain('authorized_keys');
    expect(await p().getByTestId('lab-progress').textContent()).toBe('0 de 8 pasos comprobados');
    expect(await p().getByTestId('lab-pair').textContent()).toBe('Primario: h1 · futuro standby: h2');
    const forms = student.step('standby-config').getByTestId('lab-then-now');
    await forms.waitFor({ timeout: 15_000 });
    const text = (await forms.textContent()) ?? '';
    expect(text).toContain('recovery.conf');
    expect(text).toContain('standby.signal');
  });

  it('una comprobación antes de tiempo falla y dice qué hacer', async () => {
    expect(await student.check('shipping')).toBe('failed');
    expect(await student.step('shipping').getByTestId('lab-check-problem').textContent()).toContain(
      'h1 aún no ha archivado ningún segmento',
    );
  });

  it('Ejecutar y Comprobar en cada etapa, de dos servidores desnudos a un standby promovido', async () => {
    const started = Date.now();
    const link = await student.commands('link');
    // The exact commands for these hosts: the key made on h1, its public half added on h2.
    expect(link).toContain('ssh-keygen');
    expect(link).toContain('authorized_keys');

    for (const id of LAB_STEP_IDS) {
      expect(await student.run(id), id).toBe('succeeded');
      // The student closes the segment themselves, with the WAL journey's button.
      if (id === 'shipping') await student.switchSegment();
      await student.checkUntilPassed(id);
    }
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `laboratorio completo en la vista Laboratorio (hosts con ssh, español): ${seconds.toFixed(1)} s`,
    );
    expect(seconds).toBeLessThan(300);

    expect((await student.facts('link')).join(' ')).toContain('funciona sin contraseña');
    expect((await student.facts('start')).join(' ')).toMatch(/La fila \d+, escrita en h1 .* se leyó en h2/);
    expect((await student.facts('promote')).join(' ')).toContain('pasó de 1 a 2');
    expect(await p().getByTestId('lab-progress').textContent()).toBe('8 de 8 pasos comprobados');

    // SQL of the test's own: h2 is a writable primary on timeline 2 with the Checks' rows,
    // h1 was stopped by the fence, and segments really came over ssh into h2's archive folder.
    expect((await psql<{ r: boolean }>(run, 'h2', 'SELECT pg_is_in_recovery() AS r'))[0]?.r).toBe(false);
    expect(
      (
        await psql<{ t: number }>(
          run,
          'h2',
          "SELECT ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int AS t",
        )
      )[0]?.t,
    ).toBe(2);
    expect(
      (await psql<{ n: string }>(run, 'h2', 'SELECT count(*)::text AS n FROM walboard_lab_check'))[0]?.n,
    ).toBe('2');
    await expect(psql(run, 'h1', 'SELECT 1', [], { connectTimeoutMs: 2000 })).rejects.toThrow();
    const names = await readdir(h2.archiveDir);
    expect(names.some((n) => /^[0-9A-F]{24}$/.test(n) || /^[0-9A-F]{8}\.history$/.test(n))).toBe(true);
  }, 360_000);
});
