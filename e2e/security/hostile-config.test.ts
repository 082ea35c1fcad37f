// walboard.yaml written by someone hostile (or careless): walboard refuses to start, says which
// line and field are wrong, and runs nothing from the file.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '../../apps/server/src/main.ts');
const dir = mkdtempSync(join(tmpdir(), 'walboard-hostile-config-'));
const canary = join(dir, 'canary');

const node = (over: Record<string, string>) => {
  const f = {
    name: 'n1',
    host: '10.213.250.2',
    key: '/root/.ssh/id_ed25519',
    hostKey: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    dataDir: '/var/lib/postgresql/15/main',
    archiveDir: '/var/lib/postgresql/wal_archive',
    ...over,
  };
  return `clusters:
  - name: lab
    nodes:
      - name: ${f.name}
        host: ${f.host}
        ssh: { user: postgres, privateKeyPath: ${f.key}, hostKey: "${f.hostKey}" }
        postgres: { binDir: /usr/lib/postgresql/15/bin, dataDir: ${f.dataDir} }
        archiveDir: ${f.archiveDir}
`;
};

const cases: { what: string; yaml: string; field: RegExp }[] = [
  { what: 'shell in a node name', yaml: node({ name: `"n1;touch ${canary}"` }), field: /nodes\[0\]\.name/ },
  { what: '$(…) in a node name', yaml: node({ name: `"$(touch ${canary})"` }), field: /nodes\[0\]\.name/ },
  {
    what: 'a host that is an ssh option',
    yaml: node({ host: `"-oProxyCommand=touch ${canary}"` }),
    field: /host/,
  },
  {
    what: '.. in a data directory',
    yaml: node({ dataDir: '/var/lib/postgresql/../../../etc' }),
    field: /dataDir/,
  },
  {
    what: 'a newline in a path',
    yaml: node({ archiveDir: `"/var/lib/x\\ntouch ${canary}"` }),
    field: /archiveDir/,
  },
  {
    what: 'backticks in a path',
    yaml: node({ archiveDir: `"/tmp/\`touch ${canary}\`"` }).replace('/tmp/', '/tmp/'),
    field: /archiveDir/,
  },
  { what: 'a relative path', yaml: node({ dataDir: 'data' }), field: /dataDir/ },
  {
    what: 'a password written inline',
    yaml: `${node({})}        password: hunter2\n`,
    field: /password|unknown key/,
  },
  { what: 'a forged host key', yaml: node({ hostKey: `SHA256:x'; touch ${canary}` }), field: /hostKey/ },
  { what: 'an unknown key', yaml: `exec: "touch ${canary}"\n${node({})}`, field: /exec/ },
  {
    what: 'a billion-laughs alias bomb',
    yaml: `a: &a ["x","x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n${node({})}`,
    field: /alias|YAML/i,
  },
  { what: 'not YAML at all', yaml: '{{{ :: ]]]', field: /YAML/ },
];

describe('a hostile walboard.yaml', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const c of cases) {
    it(`refuses to start on ${c.what}, naming the field, running nothing`, () => {
      const file = join(dir, `${c.what.replace(/\W+/g, '-')}.yaml`);
      writeFileSync(file, c.yaml);
      const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, '--config', file], {
        encoding: 'utf8',
        timeout: 30_000,
        cwd: dirname(MAIN),
      });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toContain(file);
      expect(r.stderr).toMatch(c.field);
      expect(r.stdout).not.toMatch(/listening/i);
      expect(existsSync(canary)).toBe(false);
    });
  }
});
