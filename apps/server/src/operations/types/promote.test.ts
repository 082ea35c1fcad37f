import { type NodeConfig, nodeSchema } from '@walboard/shared/config';
import { describe, expect, it } from 'vitest';
import { capabilitiesFor } from '../../postgres/capabilities.ts';
import { PlanRefusal } from '../plan-types.ts';
import { lossCheckOf, type OtherNode, type PromoteFacts, planPromote } from './promote.ts';

function node(name: string, host: string, major = 15): NodeConfig {
  return nodeSchema.parse({
    name,
    host,
    ssh: { user: 'postgres', privateKeyPath: '/etc/walboard/id_ed25519' },
    postgres: {
      binDir: `/usr/lib/postgresql/${major}/bin`,
      dataDir: `/var/lib/postgresql/${major}/main`,
      configFile: `/etc/postgresql/${major}/main/postgresql.conf`,
    },
    archiveDir: '/var/lib/postgresql/wal_archive',
  }) as NodeConfig;
}

const other = (
  config: NodeConfig,
  state: OtherNode['state'],
  lsn: string | null = null,
  why: string | null = null,
) => ({
  config,
  state,
  lsn,
  why,
});

function facts(over: Partial<PromoteFacts> = {}, major = 15, versionNum = 150018): PromoteFacts {
  return {
    node: node('db2', '10.0.0.2', major),
    caps: capabilitiesFor(versionNum),
    receivedLsn: '16/B3000000',
    replayedLsn: '16/B2000000',
    triggerFile: null,
    upstreamHost: '10.0.0.1',
    upstreamPort: 5432,
    others: [other(node('db1', '10.0.0.1', major), 'writable', '16/B374D848')],
    ...over,
  };
}

describe('lossCheckOf: what a promotion would lose, in exact bytes', () => {
  it('unreceived = primary − received, unreplayed = received − replayed (16/B374D848 …)', () => {
    expect(lossCheckOf(facts())).toEqual({
      oldPrimary: 'db1',
      oldPrimaryState: 'writable',
      primaryLsn: '16/B374D848',
      receivedLsn: '16/B3000000',
      replayedLsn: '16/B2000000',
      unreceivedBytes: String(0x16b374d848 - 0x16b3000000), // 7657544
      unreplayedBytes: String(0x16b3000000 - 0x16b2000000), // 16 MiB
      fenceNeeded: true,
    });
    expect(lossCheckOf(facts()).unreceivedBytes).toBe('7657544');
  });

  it('crosses the 4 GiB boundary of the low half, and stays exact beyond 2^53', () => {
    const f = facts({
      receivedLsn: '16/FFFFFFF0',
      replayedLsn: '0/0',
      others: [other(node('db1', '10.0.0.1'), 'writable', '17/00000010')],
    });
    expect(lossCheckOf(f).unreceivedBytes).toBe('32');
    // 0x16FFFFFFF0 bytes replayed from zero.
    expect(lossCheckOf(f).unreplayedBytes).toBe((0x16fffffff0).toString());
    const huge = facts({
      receivedLsn: '0/0',
      replayedLsn: '0/0',
      others: [other(node('db1', '10.0.0.1'), 'writable', 'FFFFFFFF/FFFFFFFF')],
    });
    expect(lossCheckOf(huge).unreceivedBytes).toBe('18446744073709551615');
  });

  it('a standby ahead of what the primary reported counts 0 bytes, never negative; unknown LSNs give null', () => {
    const ahead = facts({ others: [other(node('db1', '10.0.0.1'), 'writable', '16/A0000000')] });
    expect(lossCheckOf(ahead).unreceivedBytes).toBe('0');
    const unknown = facts({ receivedLsn: null, others: [other(node('db1', '10.0.0.1'), 'down')] });
    expect(lossCheckOf(unknown)).toMatchObject({
      oldPrimary: 'db1',
      oldPrimaryState: 'down',
      primaryLsn: null,
      unreceivedBytes: null,
      unreplayedBytes: null,
      fenceNeeded: false,
    });
  });

  it('the old primary is the node the standby streams from (address and port), else the writable one', () => {
    const db1 = node('db1', '10.0.0.1');
    const db3 = node('db3', '10.0.0.3');
    // Streams from db1 (down now) while db3 is writable: db1 is the old primary, the fence is for db3.
    const f = facts({ others: [other(db3, 'writable', '1/0'), other(db1, 'unreachable', null, 'timeout')] });
    expect(lossCheckOf(f)).toMatchObject({
      oldPrimary: 'db1',
      oldPrimaryState: 'unreachable',
      fenceNeeded: true,
    });
    // Another port is another server.
    const otherPort = facts({
      upstreamPort: 5433,
      others: [other(db1, 'down'), other(db3, 'writable', '1/0')],
    });
    expect(lossCheckOf(otherPort).oldPrimary).toBe('db3');
    // No upstream known (not streaming) and nobody writable: none.
    expect(
      lossCheckOf(facts({ upstreamHost: null, upstreamPort: null, others: [other(db1, 'down')] })),
    ).toMatchObject({
      oldPrimary: null,
      oldPrimaryState: 'none',
      fenceNeeded: false,
    });
    expect(lossCheckOf(facts({ others: [] })).oldPrimaryState).toBe('none');
  });
});

describe('planPromote: split brain is refused unless fenced', () => {
  it('refuses while the old primary is reachable and writable and no fence is chosen', () => {
    const r = planPromote(facts(), { method: 'auto' });
    expect(r.steps).toEqual([]);
    expect(r.refusal).toBe(
      'db1 is reachable and accepts writes: promoting db2 now would make two primaries (split brain). Choose a fence: stop-old-primary (walboard stops db1 first), or confirmed-down if you know it is cut off from every client',
    );
    expect(r.lossCheck.fenceNeeded).toBe(true);
  });

  it('names every writable node, in the plural', () => {
    const f = facts({
      others: [
        other(node('db1', '10.0.0.1'), 'writable', '1/0'),
        other(node('db3', '10.0.0.3'), 'writable', '1/0'),
      ],
    });
    expect(planPromote(f, { method: 'auto' }).refusal).toBe(
      'db1, db3 are reachable and accept writes: promoting db2 now would make two primaries (split brain). Choose a fence: stop-old-primary (walboard stops db1, db3 first), or confirmed-down if you know they are cut off from every client',
    );
  });

  it('confirmed-down needs the old primary name typed exactly', () => {
    for (const confirmDown of [undefined, 'DB1', 'db', 'db2']) {
      const r = planPromote(facts(), { method: 'auto', fence: 'confirmed-down', confirmDown });
      expect(r.steps).toEqual([]);
      expect(r.refusal).toBe(
        'fence confirmed-down needs the old primary\'s name typed as confirmDown ("db1"), to say you checked that no client can reach it',
      );
    }
    const ok = planPromote(facts(), { method: 'auto', fence: 'confirmed-down', confirmDown: 'db1' });
    expect(ok.refusal).toBeUndefined();
    expect(ok.notes[0]).toBe(
      'You confirmed that db1 cannot be reached by clients although walboard still reaches it: walboard leaves it running.',
    );
    // Nothing is done to db1.
    expect(ok.steps.map((s) => s.shown.node)).toEqual(['db2', 'db2', 'db2']);
  });

  it('stop-old-primary: a critical fast stop of the old primary, then the wait for its last WAL, then the promotion', () => {
    const r = planPromote(facts(), { method: 'auto', fence: 'stop-old-primary' });
    expect(r.refusal).toBeUndefined();
    const shown = r.steps.map((s) => s.shown);
    expect(shown.map((s) => [s.node, s.kind, s.critical ?? false])).toEqual([
      ['db1', 'command', true],
      ['db2', 'check', true],
      ['db2', 'sql', true],
      ['db2', 'check', true],
      ['db2', 'check', false],
    ]);
    expect(shown[0]?.argv).toEqual([
      '/usr/lib/postgresql/15/bin/pg_ctl',
      'stop',
      '-D',
      '/var/lib/postgresql/15/main',
      '-w',
      '-t',
      '60',
      '-m',
      'fast',
    ]);
    expect(shown[1]?.title).toBe('Wait until db2 has received everything db1 wrote (10 s at most)');
    expect(shown[1]?.runs).toEqual([
      { node: 'db2', sql: 'SELECT (pg_last_wal_receive_lsn())::text AS received' },
    ]);
    expect(r.steps.every((s) => typeof s.run === 'function')).toBe(true);
  });

  it('stop-old-primary with two writable nodes stops both before the one wait', () => {
    const f = facts({
      others: [
        other(node('db1', '10.0.0.1'), 'writable', '1/0'),
        other(node('db3', '10.0.0.3'), 'writable', '1/0'),
      ],
    });
    const r = planPromote(f, { method: 'auto', fence: 'stop-old-primary' });
    expect(r.steps.map((s) => [s.shown.node, s.shown.kind])).toEqual([
      ['db1', 'command'],
      ['db3', 'command'],
      ['db2', 'check'],
      ['db2', 'sql'],
      ['db2', 'check'],
      ['db2', 'check'],
    ]);
  });

  it('no writable node: no fence needed; says whether the old primary is down or only unreachable', () => {
    const down = planPromote(facts({ others: [other(node('db1', '10.0.0.1'), 'down')] }), { method: 'auto' });
    expect(down.refusal).toBeUndefined();
    expect(down.notes).toContain('db1 is down: no fence is needed.');
    const unreachable = planPromote(
      facts({ others: [other(node('db1', '10.0.0.1'), 'unreachable', null, 'no answer within 1500 ms')] }),
      { method: 'auto' },
    );
    expect(unreachable.notes[0]).toBe(
      'db1 cannot be reached from walboard (no answer within 1500 ms): if clients can still reach it, stop it before promoting, or two primaries will take writes.',
    );
    expect(unreachable.steps).toHaveLength(3);
  });

  it('tells how many bytes are not received yet, and always that other standbys must follow the new timeline', () => {
    const r = planPromote(facts(), { method: 'auto', fence: 'stop-old-primary' });
    expect(r.notes).toEqual([
      'db2 has not received 7657544 bytes of WAL that db1 wrote: unless the fence lets them arrive, those transactions are lost.',
      'After the promotion db2 starts a new timeline; other standbys must follow it (and the old primary be rejoined) before they serve again.',
    ]);
    const caughtUp = planPromote(
      facts({
        receivedLsn: '16/B374D848',
        others: [other(node('db1', '10.0.0.1'), 'writable', '16/B374D848')],
      }),
      { method: 'auto', fence: 'stop-old-primary' },
    );
    expect(caughtUp.notes.some((n) => n.includes('has not received'))).toBe(false);
  });
});

describe('planPromote: promotion methods per version', () => {
  const free = { others: [] };

  it('auto on 12+: pg_promote(false), checked every 10 ms; pg_promote: pg_promote(true, 60)', () => {
    const auto = planPromote(facts(free), { method: 'auto' }).steps[0]?.shown;
    expect([auto?.kind, auto?.sql, auto?.critical]).toEqual([
      'sql',
      'SELECT pg_promote(false) AS promoted',
      true,
    ]);
    const pgp = planPromote(facts(free), { method: 'pg_promote' }).steps[0]?.shown;
    expect(pgp?.sql).toBe('SELECT pg_promote(true, 60) AS promoted');
  });

  it('pg_promote is refused before 12; auto uses pg_ctl promote there', () => {
    const f10 = facts(free, 10, 100023);
    expect(() => planPromote(f10, { method: 'pg_promote' })).toThrow(PlanRefusal);
    expect(() => planPromote(f10, { method: 'pg_promote' })).toThrow(
      'pg_promote() arrived in PostgreSQL 12; db2 runs 10: use method auto or pg_ctl',
    );
    expect(planPromote(f10, { method: 'auto' }).steps[0]?.shown.argv).toEqual([
      '/usr/lib/postgresql/10/bin/pg_ctl',
      'promote',
      '-D',
      '/var/lib/postgresql/10/main',
      '-W',
    ]);
    expect(planPromote(f10, { method: 'pg_ctl' }).steps[0]?.shown.argv).toEqual([
      '/usr/lib/postgresql/10/bin/pg_ctl',
      'promote',
      '-D',
      '/var/lib/postgresql/10/main',
      '-w',
      '-t',
      '60',
    ]);
  });

  it('trigger-file: touch -- <the configured file> on 10 and 15', () => {
    const f10 = facts({ ...free, triggerFile: '/var/lib/postgresql/10/main/promote.trigger' }, 10, 100023);
    expect(planPromote(f10, { method: 'trigger-file' }).steps[0]?.shown).toMatchObject({
      node: 'db2',
      kind: 'command',
      argv: ['touch', '--', '/var/lib/postgresql/10/main/promote.trigger'],
      critical: true,
    });
    const f15 = facts({ ...free, triggerFile: '/var/lib/postgresql/15/main/promote.trigger' });
    expect(planPromote(f15, { method: 'trigger-file' }).steps[0]?.shown.argv).toEqual([
      'touch',
      '--',
      '/var/lib/postgresql/15/main/promote.trigger',
    ]);
  });

  it('trigger-file is refused when no trigger file is configured', () => {
    expect(() => planPromote(facts(free), { method: 'trigger-file' })).toThrow(
      "db2's configuration names no trigger file (promote_trigger_file): configure it as a standby with walboard, or use method auto",
    );
    expect(() => planPromote(facts(free, 10, 100023), { method: 'trigger-file' })).toThrow(
      /\(trigger_file\)/,
    );
  });

  it('trigger-file is refused on 16+ even with a file named', () => {
    for (const v of [160000, 180004]) {
      const f = facts({ ...free, triggerFile: '/x/promote.trigger' }, Math.floor(v / 10000), v);
      expect(() => planPromote(f, { method: 'trigger-file' })).toThrow(
        `PostgreSQL ${Math.floor(v / 10000)} has no trigger file (promote_trigger_file was removed in 16): use method auto, pg_promote or pg_ctl`,
      );
    }
  });

  it('after the promotion: proof of a committed transaction with the version’s function, then the timeline', () => {
    const steps15 = planPromote(facts(free), { method: 'auto' }).steps.map((s) => s.shown);
    expect(steps15[1]?.runs?.map((r) => r.sql)).toEqual([
      'SELECT pg_is_in_recovery()',
      'SELECT pg_current_xact_id()::text AS xid',
    ]);
    expect(steps15[2]?.runs?.[0]?.sql).toBe(
      'SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8) AS tli',
    );
    const steps10 = planPromote(facts(free, 10, 100023), { method: 'auto' }).steps.map((s) => s.shown);
    expect(steps10[1]?.runs?.[1]?.sql).toBe('SELECT txid_current()::text AS xid');
  });
});
