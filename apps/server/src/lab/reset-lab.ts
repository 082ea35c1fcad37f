import { readdir, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { LabResetResult } from '@walboard/shared/guide';
import {
  initNode,
  LAB_PASSWORD_ENV,
  type Lab,
  type LabNode,
  labShell,
  startNode,
  stopNode,
} from './create-lab.ts';

/** true when `p` lies strictly inside `dir` (not `dir` itself, not a sibling like `dir-other`). */
export function isInside(dir: string, p: string): boolean {
  const rel = relative(resolve(dir), resolve(p));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/**
 * What a reset deletes: each node's folder (data, conf, log, socket, archive, the data directory
 * base-backup set aside beside it, its staging copy, the password files) and every archive
 * directory the cluster names. All of it must lie inside the lab's folder, or nothing is removed.
 */
export function resetTargets(lab: Pick<Lab, 'dir' | 'nodes' | 'config'>): string[] {
  const paths = new Set<string>(lab.nodes.map((n) => n.dir));
  for (const c of lab.config.clusters) for (const n of c.nodes) if (n.archiveDir) paths.add(n.archiveDir);
  const outside = [...paths].filter((p) => !isInside(lab.dir, p));
  if (outside.length > 0)
    throw new Error(
      `lab reset refused: ${outside.join(', ')} ${outside.length === 1 ? 'is' : 'are'} not inside the lab folder ${lab.dir}; nothing was stopped or removed. Remove ${outside.length === 1 ? 'it' : 'them'} by hand if the lab should forget ${outside.length === 1 ? 'it' : 'them'}.`,
    );
  // A path inside another one goes with it.
  return [...paths].filter((p) => ![...paths].some((q) => isInside(q, p)));
}

/**
 * Data directories a server may run from in a node's folder: the configured one, the copy
 * base-backup assembles beside it (`data.walboard-new`) and those it set aside (`data.walboard-old-*`).
 */
async function serverDirs(n: LabNode): Promise<string[]> {
  const names = await readdir(n.dir).catch(() => [] as string[]);
  const base = n.dataDir.slice(n.dir.length + 1);
  const dirs = names
    .filter((d) => d === base || d.startsWith(`${base}.walboard-`))
    .map((d) => join(n.dir, d));
  const running: string[] = [];
  for (const d of dirs) if (await exists(join(d, 'postmaster.pid'))) running.push(d);
  return running;
}

/**
 * The embedded lab back to its start: both servers stopped, their folders and archives removed,
 * two fresh servers made by the same initdb as a new lab, started. Callers hold the cluster so no
 * operation runs meanwhile.
 */
export async function resetLab(
  lab: Lab,
  opts: { log?: (line: string) => void } = {},
): Promise<LabResetResult> {
  const log = opts.log ?? (() => {});
  const t0 = performance.now();
  const targets = resetTargets(lab);
  const password = lab.env[LAB_PASSWORD_ENV];
  if (!password) throw new Error(`lab reset: ${LAB_PASSWORD_ENV} is not set; restart the lab (npm start)`);
  const sh = labShell(lab.user);
  try {
    await Promise.all(
      lab.nodes.map(async (n) => {
        for (const d of await serverDirs(n)) {
          const fast = await stopNode(sh, lab.binaries, d, 'fast');
          if (fast.code === 0) {
            log(`${n.name}: stopped (${d})`);
            continue;
          }
          // A pid file left by a crash makes pg_ctl fail when nothing runs; anything else gets the hard stop.
          const hard = await stopNode(sh, lab.binaries, d, 'immediate');
          log(`${n.name}: ${hard.code === 0 ? 'stopped (immediate)' : 'not running'} (${d})`);
        }
        lab.started.delete(n.name);
      }),
    );
    for (const p of targets) await rm(p, { recursive: true, force: true });
    log(`removed ${targets.join(', ')}`);
    await Promise.all(lab.nodes.map((n) => initNode(sh, lab.binaries, n, password, lab.user, log)));
    await Promise.all(
      lab.nodes.map(async (n) => {
        await startNode(sh, lab.binaries, n);
        lab.started.add(n.name);
        log(`${n.name}: started on 127.0.0.1:${n.port}`);
      }),
    );
  } finally {
    await sh.close();
  }
  const seconds = Math.round((performance.now() - t0) / 100) / 10;
  log(`lab reset in ${seconds} s`);
  return { seconds, nodes: lab.nodes.map((n) => n.name) };
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}
