import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.ts';
import { loadConfig, parseConfigText } from './load-config.ts';

const FP = 'SHA256:4kB3yGmYpQ1c0lWQ2lKk8eYyqz6o3qkq9bJ9xq7Zr2A';

/** A valid two-node config; each test breaks one thing in it. */
const good = (over: { node1?: string; node2?: string; top?: string } = {}) => `listen: 127.0.0.1:8080
dataDir: ./state
clusters:
  - name: lab
    nodes:
      - name: h1
        host: 10.0.0.11
        ssh:
${
  over.node1 ??
  `          user: postgres
          privateKeyPath: /root/.ssh/id_ed25519
          hostKey: "${FP}"`
}
        postgres:
          port: 5432
          passwordEnv: H1_PGPASSWORD
          binDir: /usr/lib/postgresql/15/bin
          dataDir: /var/lib/postgresql/15/main
        archiveDir: /var/lib/postgresql/wal_archive
      - name: ${over.node2 ?? 'h2'}
        transport: local
        postgres:
          binDir: /usr/lib/postgresql/15/bin
          dataDir: /srv/pg2
${over.top ?? ''}`;

/** 1-based line of the first line containing `needle`: where a user would look. */
function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`"${needle}" is not in the test config`);
  return i + 1;
}

function problemsOf(text: string) {
  try {
    parseConfigText('/etc/walboard.yaml', text);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected the config to be refused');
}

describe('walboard.yaml validation', () => {
  it('accepts a valid file and fills in defaults', () => {
    const cfg = parseConfigText('/etc/walboard.yaml', good());
    const [h1, h2] = cfg.clusters[0]!.nodes;
    expect(h1?.transport).toBe('ssh');
    expect(h1?.transport === 'ssh' && h1.ssh.port).toBe(22);
    expect(h2?.transport).toBe('local');
    expect(h2?.postgres.port).toBe(5432);
  });

  it('defaults to no trusted proxy and 90 days of audit log', () => {
    const cfg = parseConfigText('/etc/walboard.yaml', good());
    expect(cfg.trustProxy).toEqual([]);
    expect(cfg.audit).toEqual({ retentionDays: 90 });
  });

  it('accepts trusted proxies as addresses or CIDR ranges, and the audit limits', () => {
    const cfg = parseConfigText(
      '/etc/walboard.yaml',
      good({
        top: 'trustProxy: [127.0.0.1, 10.0.0.0/8, "::1", "fd00::/8"]\naudit: { retentionDays: 30, maxRows: 50000 }\n',
      }),
    );
    expect(cfg.trustProxy).toEqual(['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8']);
    expect(cfg.audit).toEqual({ retentionDays: 30, maxRows: 50000 });
  });

  it('refuses a trusted proxy that is a host name or a bad range, naming the entry', () => {
    for (const bad of ['proxy.example.com', '10.0.0.0/33', '300.1.1.1', '10.0.0.1/8/8', '*']) {
      const text = good({ top: `trustProxy: ["${bad}"]\n` });
      const [p] = problemsOf(text);
      expect(p?.field, bad).toBe('trustProxy[0]');
      expect(p?.message, bad).toMatch(/IP address or a CIDR range/);
    }
  });

  it('refuses an audit retention below one day', () => {
    const [p] = problemsOf(good({ top: 'audit: { retentionDays: 0 }\n' }));
    expect(p?.field).toBe('audit.retentionDays');
  });

  it('reports bad YAML with its line', () => {
    const problems = problemsOf('listen: 127.0.0.1:8080\nclusters:\n  - name: lab\n   nodes: [\n');
    expect(problems[0]?.message).toMatch(/YAML syntax/);
    expect(problems[0]?.line).toBeGreaterThanOrEqual(3);
  });

  it('reports an unknown key with the key line and field', () => {
    const text = good({ top: 'listn: 1.2.3.4:80\n' });
    expect(problemsOf(text)).toEqual([
      expect.objectContaining({
        field: 'listn',
        line: lineOf(text, 'listn'),
        message: expect.stringMatching(/unknown key "listn"/),
      }),
    ]);
  });

  it('reports an unknown nested key', () => {
    const text = good().replace('          port: 5432\n', '          port: 5432\n          prot: 1\n');
    const [p] = problemsOf(text);
    expect(p?.field).toBe('clusters[0].nodes[0].postgres.prot');
    expect(p?.line).toBe(lineOf(text, 'prot:'));
  });

  it('refuses a duplicate node name', () => {
    const text = good({ node2: 'h1' });
    const [p] = problemsOf(text);
    expect(p?.field).toBe('clusters[0].nodes[1].name');
    expect(p?.message).toMatch(/duplicate node name "h1"/);
    const second = text.split('\n').findLastIndex((l) => l.includes('- name: h1')) + 1;
    expect(p?.line).toBe(second);
  });

  it('accepts an ssh node without a host key: it stays unconnected until an admin pins the offered key', () => {
    const text = good({ node1: '          user: postgres\n          privateKeyPath: /k' });
    const config = parseConfigText('/etc/walboard/walboard.yaml', text);
    const node = config.clusters[0]?.nodes[0];
    expect(node?.transport === 'ssh' ? node.ssh.hostKey : 'local').toBeUndefined();
  });

  it('refuses shell characters and spaces in paths, naming the field', () => {
    for (const bad of [
      '/var/lib/`id`',
      '/var/lib/$(id)',
      "/var/lib/a'b",
      '/var/lib/a b',
      '/var/lib/a;b',
      '/var/lib/a\\b',
    ]) {
      const text = good({}).replace(
        'dataDir: /var/lib/postgresql/15/main',
        `dataDir: "${bad.replaceAll('\\', '\\\\')}"`,
      );
      const [p] = problemsOf(text);
      expect(p?.field, bad).toBe('clusters[0].nodes[0].postgres.dataDir');
    }
  });

  it('refuses a malformed host key fingerprint', () => {
    const [p] = problemsOf(
      good({ node1: '          user: postgres\n          privateKeyPath: /k\n          hostKey: "MD5:aa"' }),
    );
    expect(p?.field).toBe('clusters[0].nodes[0].ssh.hostKey');
    expect(p?.message).toMatch(/SHA256:/);
  });

  it('refuses a relative path where an absolute one is needed', () => {
    const text = good().replace('dataDir: /srv/pg2', 'dataDir: srv/pg2');
    const [p] = problemsOf(text);
    expect(p?.field).toBe('clusters[0].nodes[1].postgres.dataDir');
    expect(p?.message).toMatch(/absolute path/);
    expect(p?.line).toBe(lineOf(text, 'srv/pg2'));
  });

  it('refuses a path that climbs out with ".."', () => {
    const [p] = problemsOf(good().replace('/var/lib/postgresql/wal_archive', '/var/lib/../../etc'));
    expect(p?.field).toBe('clusters[0].nodes[0].archiveDir');
  });

  it('refuses a port out of range', () => {
    const text = good().replace('port: 5432', 'port: 70000');
    const [p] = problemsOf(text);
    expect(p?.field).toBe('clusters[0].nodes[0].postgres.port');
    expect(p?.message).toMatch(/between 1 and 65535/);
    expect(p?.line).toBe(lineOf(text, '70000'));
  });

  it('refuses a listen port out of range', () => {
    const [p] = problemsOf(good().replace('127.0.0.1:8080', '127.0.0.1:0'));
    expect(p?.field).toBe('listen');
    expect(p?.line).toBe(1);
  });

  it('refuses a password written inline and points to passwordEnv', () => {
    const text = good().replace('passwordEnv: H1_PGPASSWORD', 'password: hunter2');
    const [p] = problemsOf(text);
    expect(p?.field).toBe('clusters[0].nodes[0].postgres.password');
    expect(p?.message).toMatch(/environment variable.*passwordEnv/);
    expect(p?.line).toBe(lineOf(text, 'hunter2'));
  });

  it('refuses a secret given as passwordEnv instead of a variable name', () => {
    const [p] = problemsOf(good().replace('passwordEnv: H1_PGPASSWORD', 'passwordEnv: "s3cr3t!"'));
    expect(p?.field).toBe('clusters[0].nodes[0].postgres.passwordEnv');
    expect(p?.message).toMatch(/NAME of an environment variable/);
  });

  it('refuses a file with no clusters', () => {
    expect(problemsOf('listen: 127.0.0.1:8080\nclusters: []\n')[0]).toMatchObject({
      field: 'clusters',
      line: 2,
      message: expect.stringMatching(/at least one cluster/),
    });
    expect(problemsOf('listen: 127.0.0.1:8080\n')[0]).toMatchObject({ field: 'clusters' });
  });

  it('refuses shell metacharacters in a node name', () => {
    const [p] = problemsOf(good({ node2: '"h2;rm -rf /"' }));
    expect(p?.field).toBe('clusters[0].nodes[1].name');
  });

  it('names the file and line in the error text', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wb-config-'));
    dirs.push(dir);
    const file = join(dir, 'walboard.yaml');
    const text = good().replace('port: 5432', 'port: -1');
    await writeFile(file, text);
    await expect(loadConfig(file)).rejects.toThrow(
      `${file}:${lineOf(text, 'port: -1')}:11  clusters[0].nodes[0].postgres.port`,
    );
  });

  it('resolves dataDir against the file folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wb-config-'));
    dirs.push(dir);
    const file = join(dir, 'walboard.yaml');
    await writeFile(file, good());
    const { config } = await loadConfig(file);
    expect(config.dataDir).toBe(join(dir, 'state'));
  });

  it('names the file it read, whatever its name, never "walboard.yaml" for another file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wb-config-'));
    dirs.push(dir);
    const file = join(dir, 'prod-cluster.yml');
    await writeFile(file, good().replace('port: 5432', 'port: -1'));
    const err = await loadConfig(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const text = (err as ConfigError).message;
    expect(text.split('\n')[0]).toBe(`${file} is not valid (1 problem):`);
    expect(text).not.toContain('walboard.yaml');
  });

  it('says so when the file does not exist', async () => {
    await expect(loadConfig('/nonexistent/walboard.yaml')).rejects.toThrow(/walboard.yaml.*file not found/s);
  });
});

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});
