import { type NodeConfig, nodeSchema } from '@walboard/shared/config';
import { describe, expect, it } from 'vitest';
import { type CleanFacts, planCleanArchive } from './clean-archive.ts';

const NOW = new Date('2025-03-04T05:06:07.089Z');
const DIR = '/var/lib/postgresql/wal_archive';

const node = nodeSchema.parse({
  name: 'db2',
  host: '10.0.0.2',
  ssh: { user: 'postgres', privateKeyPath: '/etc/walboard/id_ed25519' },
  postgres: { binDir: '/usr/lib/postgresql/15/bin', dataDir: '/var/lib/postgresql/15/main' },
  archiveDir: DIR,
}) as NodeConfig;

const seg = (tli: number, n: number) =>
  `${tli.toString(16).toUpperCase().padStart(8, '0')}${Math.floor(n / 256)
    .toString(16)
    .toUpperCase()
    .padStart(8, '0')}${(n % 256).toString(16).toUpperCase().padStart(8, '0')}`;

function facts(names: string[], redoWalFile: string, over: Partial<CleanFacts> = {}): CleanFacts {
  return { node, archiveDir: DIR, names, redoWalFile, recoveryDone: false, ...over };
}

/** Every path the plan's rm commands remove. */
const removed = (steps: ReturnType<typeof planCleanArchive>['steps']) =>
  steps.flatMap((s) => (s.shown.argv?.[0] === 'rm' ? (s.shown.argv ?? []).slice(3) : []));

describe('planCleanArchive', () => {
  it('removes exactly the files older than the redo segment, named one by one; keeps .history and newer files', () => {
    const names = [
      '00000001.history',
      '00000002.history',
      '000000010000000000000001',
      '000000010000000000000002',
      '000000010000000000000002.00000028.backup',
      '000000010000000000000003.partial',
      '000000020000000000000003',
      '000000020000000000000004',
      '000000020000000000000005',
    ];
    const { steps, notes } = planCleanArchive(facts(names, '000000020000000000000004'), NOW);
    expect(steps.map((s) => s.shown)).toEqual([
      {
        node: 'db2',
        kind: 'command',
        title: `Remove 5 archived WAL files older than 000000020000000000000004 from ${DIR} on db2`,
        argv: [
          'rm',
          '-f',
          '--',
          `${DIR}/000000010000000000000001`,
          `${DIR}/000000010000000000000002`,
          `${DIR}/000000010000000000000002.00000028.backup`,
          `${DIR}/000000010000000000000003.partial`,
          `${DIR}/000000020000000000000003`,
        ],
      },
    ]);
    expect(notes).toEqual([
      "db2's last checkpoint starts redo in 000000020000000000000004: 5 older files go, 4 stay (newer ones and every .history file).",
    ]);
  });

  it('chunks the rm argv by 200 files, covering every old file exactly once', () => {
    const old = Array.from({ length: 450 }, (_, i) => seg(1, i + 1));
    const newer = [seg(1, 451), seg(1, 452)];
    const names = ['00000001.history', ...newer, ...old].reverse();
    const { steps, notes } = planCleanArchive(facts(names, seg(1, 451)), NOW);
    expect(steps.map((s) => (s.shown.argv ?? []).length - 3)).toEqual([200, 200, 50]);
    expect(steps.every((s) => s.shown.argv?.slice(0, 3).join(' ') === 'rm -f --')).toBe(true);
    expect(removed(steps)).toEqual(old.map((n) => `${DIR}/${n}`));
    expect(steps[2]?.shown.title).toBe(
      `Remove 50 archived WAL files older than ${seg(1, 451)} from ${DIR} on db2`,
    );
    expect(notes[0]).toMatch(/: 450 older files go, 3 stay /);
  });

  it('exactly 200 old files make one command; 201 make two, the second with one file', () => {
    const two = (n: number) => Array.from({ length: n }, (_, i) => seg(1, i + 1));
    expect(planCleanArchive(facts(two(200), seg(1, 999)), NOW).steps).toHaveLength(1);
    const s201 = planCleanArchive(facts(two(201), seg(1, 999)), NOW).steps;
    expect(s201.map((s) => (s.shown.argv ?? []).length - 3)).toEqual([200, 1]);
    expect(s201[1]?.shown.title).toBe(
      `Remove 1 archived WAL file older than ${seg(1, 999)} from ${DIR} on db2`,
    );
  });

  it('a trailing slash in archiveDir does not double in the paths', () => {
    const { steps } = planCleanArchive(
      facts(['000000010000000000000001'], '000000010000000000000002', { archiveDir: `${DIR}//` }),
      NOW,
    );
    expect(removed(steps)).toEqual([`${DIR}/000000010000000000000001`]);
  });

  it('nothing older: no step, and it says so', () => {
    const { steps, notes } = planCleanArchive(
      facts(['00000002.history', '000000020000000000000009'], '000000020000000000000009'),
      NOW,
    );
    expect(steps).toEqual([]);
    expect(notes).toEqual([
      "db2's last checkpoint starts redo in 000000020000000000000009: 0 older files go, 2 stay (newer ones and every .history file).",
      `Nothing in ${DIR} is older than 000000020000000000000009: nothing to remove.`,
    ]);
  });

  it('on ≤ 11 after a promotion: recovery.done is put aside as a backup, never removed', () => {
    const { steps } = planCleanArchive(facts([], '000000020000000000000009', { recoveryDone: true }), NOW);
    expect(steps.map((s) => s.shown.argv)).toEqual([
      [
        'mv',
        '-T',
        '--',
        '/var/lib/postgresql/15/main/recovery.done',
        '/var/lib/postgresql/15/main/recovery.done.walboard-20250304T050607089Z.bak',
      ],
    ]);
  });

  it('refuses a redo file name that is not a segment (nothing is planned from it)', () => {
    expect(() => planCleanArchive(facts(['000000010000000000000001'], ''), NOW)).toThrow(
      /not a WAL segment name/,
    );
  });
});
