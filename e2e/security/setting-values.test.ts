// Setting values with line breaks, tabs and Unicode spaces, posted to the real operations API as
// an operator would: each is refused with a 400 that names the setting (never a 500, never
// written), for a dry run and for a confirmed run alike, and postgresql.conf on the host is
// byte for byte what it was.
import { addUser, type SignedIn, signIn } from '@walboard/server/src/auth/test-support/sign-in.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostsRun, psql, runOnHost } from '../hosts/harness.ts';
import type { RunningWalboard } from '../support/walboard.ts';
import { type WalboardOnHosts, walboardOnHosts } from '../support/walboard-on-hosts.ts';

/** What `\s` matches and a config file must never get inside a value. */
const BLANKS: Record<string, string> = {
  LF: '\n',
  CR: '\r',
  CRLF: '\r\n',
  TAB: '\t',
  VT: '\v',
  NEL: '\u0085',
  NBSP: '\u00a0',
  'LINE SEPARATOR': '\u2028',
  'PARAGRAPH SEPARATOR': '\u2029',
  'IDEOGRAPHIC SPACE': '\u3000',
  'NARROW NBSP': '\u202f',
  BOM: '\ufeff',
};
/** Values each rule accepts with a plain space, and where a blank goes in them. */
const VALUES: [string, (blank: string) => string][] = [
  ['max_wal_size', (b) => `1${b}GB`],
  ['archive_timeout', (b) => `60${b}s`],
  ['listen_addresses', (b) => `localhost,${b}127.0.0.1`],
  ['synchronous_standby_names', (b) => `FIRST 1 (h2,${b}h3)`],
  ['cluster_name', (b) => `main${b}cluster`],
  ['hot_standby', (b) => `on${b}`],
  // A line break then a setting of the attacker's choosing.
  ['wal_keep_size', (b) => `512MB${b}archive_command = 'touch /tmp/walboard-pwned'`],
];

describe('setting values with line breaks or Unicode spaces', () => {
  let t: WalboardOnHosts;
  let run: HostsRun;
  let wb: RunningWalboard;
  let operator: SignedIn;
  let configFile: string;

  beforeAll(async () => {
    t = await walboardOnHosts();
    ({ run, wb } = t);
    await addUser(wb.app, 'otto', 'operator', 'otto-password-123');
    operator = await signIn(wb.url, 'otto', 'otto-password-123');
    const [row] = await psql<{ config_file: string }>(run, 'h1', 'SHOW config_file');
    if (!row) throw new Error('SHOW config_file answered nothing');
    configFile = row.config_file;
  });
  afterAll(async () => t?.close());

  const readConf = async () => (await runOnHost(run, 'h1', ['cat', configFile])).stdout;
  const post = (body: unknown) =>
    fetch(`${wb.url}/api/clusters/lab/operations`, {
      method: 'POST',
      headers: operator.mutation,
      body: JSON.stringify(body),
    });

  it('refuses each with 400 naming the setting; postgresql.conf is unchanged', async () => {
    const before = await readConf();
    expect(before.length).toBeGreaterThan(0);
    for (const [name, make] of VALUES) {
      for (const [blankName, blank] of Object.entries(BLANKS)) {
        for (const dry of [true, false]) {
          const res = await post({
            type: 'set-settings',
            node: 'h1',
            ...(dry ? { dryRun: true } : { confirm: true }),
            params: { settings: { [name]: make(blank) } },
          });
          const what = `${name} with ${blankName}${dry ? ' (dry run)' : ''}`;
          expect(res.status, what).toBe(400);
          const body = (await res.json()) as { error: string; message: string };
          expect(body.error, what).toBe('WB_ERR_INVALID_OPERATION');
          expect(body.message, what).toContain(`params.settings.${name}: ${name}: `);
        }
      }
    }
    expect(await readConf()).toBe(before);
    // Nothing was started, and the server reads its file without errors.
    const ops = await fetch(`${wb.url}/api/clusters/lab/operations`, {
      headers: { cookie: wb.admin.cookie },
    });
    expect(await ops.json()).toEqual([]);
    expect(await psql(run, 'h1', 'SELECT error FROM pg_file_settings WHERE error IS NOT NULL')).toEqual([]);
  });

  it('still accepts the same values with a plain space (the refusal is about the blank alone)', async () => {
    for (const [name, make] of VALUES.filter(([n]) => n !== 'hot_standby' && n !== 'wal_keep_size')) {
      const res = await post({
        type: 'set-settings',
        node: 'h1',
        dryRun: true,
        params: { settings: { [name]: make(' ') } },
      });
      expect(res.status, `${name}: ${await res.clone().text()}`).toBe(200);
    }
  });
});
