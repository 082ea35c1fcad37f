// Cold start of the controller: process start → first 200 from /api/health, the built server
// (`bin/walboard.js` run as the `walboard` program, plain JavaScript) against today's way of running the sources
// (`node --import tsx src/main.ts`), same config, alternating order, in the same run.
// Standalone: `node --import tsx bench/cold-start.ts [samples]` (builds and deploys first).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../apps/server/src/nodes/test-support/sshd-fixture.ts';
import { deployBuiltServer } from '../e2e/install/deploy.ts';
import { readerEnv, repoRoot, startCommand, waitFor200 } from '../e2e/install/run-command.ts';
import { median, round } from './stats.ts';

export interface ColdStart {
  builtMs: number;
  tsxMs: number;
  ratio: number;
  samples: number;
  builtSamplesMs: number[];
  tsxSamplesMs: number[];
}

async function oneStart(command: string, cwd: string, url: string): Promise<number> {
  const started = performance.now();
  const run = startCommand(command, cwd, readerEnv({ WALBOARD_ADMIN_PASSWORD: 'cold-start-bench-pw' }));
  try {
    return await waitFor200(url, started, 60_000, () => run.child.exitCode === null);
  } catch (err) {
    throw new Error(`${(err as Error).message}; output:\n${run.output()}`);
  } finally {
    await run.stop();
  }
}

/** Medians over `samples` starts of each kind; `deployDir` holds a deployed built server. */
export async function measureColdStart(deployDir: string, samples = 7): Promise<ColdStart> {
  const dir = mkdtempSync(join(tmpdir(), 'walboard-cold-'));
  try {
    const port = await freePort();
    const runAs = process.getuid?.() === 0 ? '\n        runAs: postgres' : '';
    const config = join(dir, 'walboard.yaml');
    writeFileSync(
      config,
      `listen: 127.0.0.1:${port}
dataDir: ./state
clusters:
  - name: bench
    nodes:
      - name: n1
        transport: local${runAs}
        postgres: { port: ${await freePort()}, binDir: /usr/lib/postgresql/15/bin, dataDir: ${dir}/pg }
`,
    );
    const url = `http://127.0.0.1:${port}/api/health`;
    const built = `${join(deployDir, 'bin/walboard.js')} --config ${config}`;
    const tsx = `node --import tsx ${join(repoRoot, 'apps/server/src/main.ts')} --config ${config}`;
    // First starts create the store and the admin, and fill tsx's compile cache: not counted.
    await oneStart(built, join(repoRoot, 'apps/server'), url);
    await oneStart(tsx, join(repoRoot, 'apps/server'), url);
    const b: number[] = [];
    const t: number[] = [];
    for (let i = 0; i < samples; i++) {
      const order = i % 2 === 0 ? ([built, tsx] as const) : ([tsx, built] as const);
      for (const cmd of order) {
        const ms = await oneStart(cmd, join(repoRoot, 'apps/server'), url);
        (cmd === built ? b : t).push(round(ms, 1));
      }
    }
    const builtMs = round(median(b), 1);
    const tsxMs = round(median(t), 1);
    return { builtMs, tsxMs, ratio: round(builtMs / tsxMs, 2), samples, builtSamplesMs: b, tsxSamplesMs: t };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const target = mkdtempSync(join(tmpdir(), 'walboard-deploy-'));
  try {
    deployBuiltServer(target);
    console.log(JSON.stringify(await measureColdStart(target, Number(process.argv[2] ?? 7)), null, 2));
  } finally {
    rmSync(target, { recursive: true, force: true });
  }
}
