import { generateKeyPairSync } from 'node:crypto';
import { type NodeConfig, nodeSchema } from '@walboard/shared/config';
import { describe, expect, it } from 'vitest';
import { parsePublicKey } from '../../nodes/ssh-files.ts';
import { PlanRefusal } from '../plan-types.ts';
import { type LinkFacts, planLinks } from './link-nodes.ts';

const NOW = new Date('2025-03-04T05:06:07.089Z');
const STAMP = '20250304T050607089Z';
const HOME = '/var/lib/postgresql';

function sshString(b: Buffer | string): Buffer {
  const data = typeof b === 'string' ? Buffer.from(b, 'latin1') : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  return Buffer.concat([len, data]);
}

function ed25519Blob(): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url');
  return Buffer.concat([sshString('ssh-ed25519'), sshString(raw)]).toString('base64');
}

const PRIMARY_KEY = ed25519Blob();
const HOSTKEY_DB2 = ed25519Blob();
const HOSTKEY_DB3 = ed25519Blob();
const OTHER_KEY = ed25519Blob();

function sshNode(name: string, host: string, port = 22): NodeConfig {
  return nodeSchema.parse({
    name,
    host,
    ssh: { user: 'postgres', port, privateKeyPath: '/etc/walboard/id_ed25519' },
    postgres: { binDir: '/usr/lib/postgresql/15/bin', dataDir: '/var/lib/postgresql/15/main' },
    archiveDir: '/var/lib/postgresql/wal_archive',
  }) as NodeConfig;
}

function localNode(name: string, port: number): NodeConfig {
  return nodeSchema.parse({
    name,
    transport: 'local',
    postgres: { port, binDir: '/usr/lib/postgresql/15/bin', dataDir: `/srv/pg/${name}` },
    archiveDir: `/srv/archive/${name}`,
  }) as NodeConfig;
}

type Link = LinkFacts['standbys'][number];

function link(config: NodeConfig, over: Partial<Link> = {}): Link {
  const t =
    config.transport === 'ssh' ? { user: config.ssh.user, host: config.host, port: config.ssh.port } : null;
  return {
    config,
    kind: 'ssh',
    target: t,
    home: HOME,
    sshDirExists: true,
    authorizedKeys: null,
    hostKey: { type: 'ssh-ed25519', blob: config.name === 'db3' ? HOSTKEY_DB3 : HOSTKEY_DB2 },
    ...over,
  };
}

/** db1 (ssh, has ~/.ssh but no key yet) linking to db2. */
function facts(over: Partial<LinkFacts> = {}): LinkFacts {
  return {
    primary: sshNode('db1', '10.0.0.1'),
    home: HOME,
    sshDirExists: true,
    keyExists: false,
    publicKey: null,
    knownHosts: null,
    standbys: [link(sshNode('db2', '10.0.0.2'))],
    ...over,
  };
}

const withKey = { keyExists: true, publicKey: parsePublicKey(`ssh-ed25519 ${PRIMARY_KEY} postgres@db1`) };

describe('planLinks', () => {
  it('two local nodes: no ssh at all, only a note', () => {
    const f: LinkFacts = {
      primary: localNode('a', 5432),
      home: null,
      sshDirExists: false,
      keyExists: false,
      publicKey: null,
      knownHosts: null,
      standbys: [{ ...link(localNode('b', 5433)), kind: 'none', target: null, home: null, hostKey: null }],
    };
    expect(planLinks(f, 'lab', NOW)).toEqual({
      steps: [],
      notes: [
        "a and b are on the same machine (transport: local): no ssh is needed, archive_command copies with rsync to b's archive directory directly.",
      ],
    });
  });

  it('no key yet: ssh-keygen (ed25519, no passphrase) into ~/.ssh/id_ed25519, never over an existing file', () => {
    const { steps } = planLinks(facts(), 'c1', NOW);
    const keygen = steps.find((s) => s.shown.argv?.[0] === 'ssh-keygen');
    expect(keygen?.shown.node).toBe('db1');
    expect(keygen?.shown.argv).toEqual([
      'ssh-keygen',
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      'walboard-c1-db1',
      '-f',
      `${HOME}/.ssh/id_ed25519`,
    ]);
    // Without ~/.ssh, it is created first, 0700.
    const noDir = planLinks(facts({ sshDirExists: false }), 'c1', NOW).steps;
    expect(noDir[0]?.shown.argv).toEqual(['mkdir', '-m', '700', '--', `${HOME}/.ssh`]);
    expect(noDir[1]?.shown.argv?.[0]).toBe('ssh-keygen');
  });

  it('an existing key is used as it is: no ssh-keygen, a note', () => {
    const { steps, notes } = planLinks(facts(withKey), 'c1', NOW);
    expect(steps.some((s) => s.shown.argv?.[0] === 'ssh-keygen')).toBe(false);
    expect(notes).toContain(
      `db1 already has the key ${HOME}/.ssh/id_ed25519: it is used as it is, never replaced.`,
    );
  });

  it('authorized_keys on the standby: previewed with the real key, added once; an existing file is backed up', () => {
    const existing = { text: `ssh-ed25519 ${OTHER_KEY} admin@laptop\n`, mode: 0o600 };
    const f = facts({
      ...withKey,
      standbys: [link(sshNode('db2', '10.0.0.2'), { authorizedKeys: existing })],
    });
    const step = planLinks(f, 'c1', NOW).steps.find(
      (s) => s.shown.file?.path === `${HOME}/.ssh/authorized_keys`,
    );
    expect(step?.shown.node).toBe('db2');
    expect(step?.shown.file?.backup).toBe(`${HOME}/.ssh/authorized_keys.walboard-${STAMP}.bak`);
    expect(step?.shown.file?.diff).toContain(`+ssh-ed25519 ${PRIMARY_KEY} walboard-c1-db1`);
    expect(step?.shown.file?.diff).toContain(` ssh-ed25519 ${OTHER_KEY} admin@laptop`);
    // Already there: no step, a note.
    const there = { text: `restrict ssh-ed25519 ${PRIMARY_KEY} by-hand\n`, mode: 0o600 };
    const r = planLinks(
      facts({ ...withKey, standbys: [link(sshNode('db2', '10.0.0.2'), { authorizedKeys: there })] }),
      'c1',
      NOW,
    );
    expect(r.steps.some((s) => s.shown.file?.path === `${HOME}/.ssh/authorized_keys`)).toBe(false);
    expect(r.notes).toContain(`db2 already lets db1's key log in (${HOME}/.ssh/authorized_keys).`);
  });

  it('known_hosts is written once for several standbys, with one backup, holding every pinned key', () => {
    const before = {
      text: '# mine\nbuild.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB\n',
      mode: 0o644,
    };
    const f = facts({
      ...withKey,
      knownHosts: before,
      standbys: [link(sshNode('db2', '10.0.0.2')), link(sshNode('db3', '10.0.0.3', 2222))],
    });
    const { steps } = planLinks(f, 'c1', NOW);
    const kh = steps.filter((s) => s.change?.path === `${HOME}/.ssh/known_hosts`);
    expect(kh).toHaveLength(1);
    const step = kh[0];
    expect(step?.shown.node).toBe('db1');
    expect(step?.change?.backup).toBe(`${HOME}/.ssh/known_hosts.walboard-${STAMP}.bak`);
    expect(step?.change?.mode).toBe(0o644);
    expect(step?.change?.after).toBe(
      `${before.text}10.0.0.2 ssh-ed25519 ${HOSTKEY_DB2} walboard-pinned-db2\n[10.0.0.3]:2222 ssh-ed25519 ${HOSTKEY_DB3} walboard-pinned-db3\n`,
    );
    expect(step?.shown.title).toBe(
      `Trust the host keys walboard pinned for db2 (ssh-ed25519), db3 (ssh-ed25519) in ${HOME}/.ssh/known_hosts on db1 (original kept as ${HOME}/.ssh/known_hosts.walboard-${STAMP}.bak)`,
    );
  });

  it('proves each link last, after the file changes, with batch-mode ssh and the known host key only', () => {
    const f = facts({
      ...withKey,
      standbys: [link(sshNode('db2', '10.0.0.2')), link(sshNode('db3', '10.0.0.3', 2222))],
    });
    const { steps } = planLinks(f, 'c1', NOW);
    const proofs = steps.filter((s) => s.shown.argv?.[0] === 'ssh');
    expect(steps.slice(-2)).toEqual(proofs);
    const argv = proofs[1]?.shown.argv ?? [];
    expect(argv.slice(-3)).toEqual(['--', 'postgres@10.0.0.3', 'true']);
    for (const o of ['BatchMode=yes', 'StrictHostKeyChecking=yes', 'IdentitiesOnly=yes'])
      expect(argv[argv.indexOf(o) - 1]).toBe('-o');
    expect(argv[argv.indexOf('-i') + 1]).toBe(`${HOME}/.ssh/id_ed25519`);
    expect(argv[argv.indexOf('-p') + 1]).toBe('2222');
    // Never an option that would accept an unknown host key.
    expect(argv.join(' ')).not.toMatch(
      /StrictHostKeyChecking=(no|accept-new)|UserKnownHostsFile=\/dev\/null/,
    );
  });

  it('known_hosts already holding the pinned key: no known_hosts step, a note', () => {
    const kh = { text: `10.0.0.2 ssh-ed25519 ${HOSTKEY_DB2}\n`, mode: 0o644 };
    const { steps, notes } = planLinks(facts({ ...withKey, knownHosts: kh }), 'c1', NOW);
    expect(steps.some((s) => s.change?.path === `${HOME}/.ssh/known_hosts`)).toBe(false);
    expect(notes).toContain(`db1 already trusts db2's host key (${HOME}/.ssh/known_hosts).`);
  });

  it('refuses a standby whose host key walboard has not verified', () => {
    const f = facts({ standbys: [link(sshNode('db2', '10.0.0.2'), { hostKey: null })] });
    expect(() => planLinks(f, 'c1', NOW)).toThrow(PlanRefusal);
    expect(() => planLinks(f, 'c1', NOW)).toThrow(
      "walboard has not verified db2's ssh host key yet (it is not pinned, or no connection has checked it since): pin it on the page, wait for db2 to show as connected, then plan again",
    );
  });

  it('refuses when known_hosts holds another key of the same type for the standby (an impostor or a reinstall)', () => {
    const kh = { text: `# mine\n10.0.0.2 ssh-ed25519 ${OTHER_KEY}\n`, mode: 0o644 };
    const f = facts({ ...withKey, knownHosts: kh });
    let err: unknown;
    try {
      planLinks(f, 'c1', NOW);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PlanRefusal);
    expect((err as PlanRefusal).node).toBe('db1');
    expect((err as PlanRefusal).message).toBe(
      `${HOME}/.ssh/known_hosts on db1: known_hosts line 2 holds another ssh-ed25519 key for 10.0.0.2: if the server was reinstalled, remove that line (ssh-keygen -R 10.0.0.2) after checking its new key, then try again`,
    );
  });
});
