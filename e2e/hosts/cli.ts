// Command line for the test-host harness, for poking at hosts by hand:
//   npx tsx e2e/hosts/cli.ts up --hosts 2 --versions 15,15 [--password PW]
//   npx tsx e2e/hosts/cli.ts status [--run ID]
//   npx tsx e2e/hosts/cli.ts isolate|rejoin|crash|start|stop <host> [--run ID]
//   npx tsx e2e/hosts/cli.ts exec <host> [--root] [--run ID] -- <argv…>
//   npx tsx e2e/hosts/cli.ts down [--run ID | --all]
//   npx tsx e2e/hosts/cli.ts cleanup        (only runs whose creator died)
// Without --run, commands act on the most recent run.
import { parseArgs } from 'node:util';
import {
  cleanupStale,
  crash,
  down,
  HarnessError,
  isolate,
  loadRun,
  rejoin,
  runOnHost,
  startPg,
  status,
  stopPg,
  up,
} from './harness.ts';
import { listRunIds, loadRecord } from './state.ts';

const USAGE = `usage: cli.ts <up|down|status|isolate|rejoin|crash|start|stop|exec|cleanup> [options]
  up --hosts N [--versions 15,15] [--password PW]
  down [--run ID | --all]
  status [--run ID]
  isolate|rejoin|crash|start|stop <host> [--run ID]
  exec <host> [--root] [--run ID] -- <argv...>
  cleanup`;

async function main(argv: string[]): Promise<number> {
  const dashdash = argv.indexOf('--');
  const own = dashdash >= 0 ? argv.slice(0, dashdash) : argv;
  const rest = dashdash >= 0 ? argv.slice(dashdash + 1) : [];
  const { values, positionals } = parseArgs({
    args: own,
    allowPositionals: true,
    options: {
      hosts: { type: 'string' },
      versions: { type: 'string' },
      password: { type: 'string' },
      run: { type: 'string' },
      all: { type: 'boolean' },
      root: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, host] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const needHost = (): string => {
    if (!host) throw new HarnessError(`${command} needs a host name (h1, h2, …)\n${USAGE}`);
    return host;
  };
  switch (command) {
    case 'up': {
      const count = Number(values.hosts ?? '1');
      const versions = values.versions ? values.versions.split(',').map((v) => v.trim()) : [];
      const started = Date.now();
      const desc = await up(count, versions, { detached: true, password: values.password });
      console.log(JSON.stringify(desc, null, 2));
      console.error(`run ${desc.run} up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return 0;
    }
    case 'down': {
      if (values.all) {
        const res = await cleanupStale({ all: true });
        console.error(`removed: ${res.removed.join(', ') || 'nothing'}`);
        for (const p of res.problems) console.error(`problem: ${p}`);
        return res.problems.length ? 1 : 0;
      }
      const desc = await loadRun(values.run);
      const started = Date.now();
      await down(desc);
      console.error(`run ${desc.run} down in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return 0;
    }
    case 'status': {
      const ids = values.run ? [values.run] : await listRunIds();
      for (const id of ids) {
        const rec = await loadRecord(id);
        const owner = rec?.detached ? 'detached' : `owner pid ${rec?.owner.pid}`;
        console.log(`run ${id} (${rec?.status ?? 'no record'}, ${owner}, created ${rec?.createdAt ?? '?'})`);
        if (!rec?.description) continue;
        for (const s of await status(rec.description)) {
          const h = rec.description.hosts.find((x) => x.name === s.name);
          console.log(
            `  ${s.name} ${s.ip} pg${h?.pg.version} init:${s.init ? 'up' : 'DOWN'} ` +
              `postgres:${s.pgRunning ? 'running' : 'stopped'}${s.isolated ? ' ISOLATED' : ''}`,
          );
        }
      }
      if (ids.length === 0) console.log('no runs');
      return 0;
    }
    case 'isolate':
      await isolate(await loadRun(values.run), needHost());
      return 0;
    case 'rejoin':
      await rejoin(await loadRun(values.run), needHost());
      return 0;
    case 'crash':
      await crash(await loadRun(values.run), needHost());
      return 0;
    case 'start':
      await startPg(await loadRun(values.run), needHost());
      return 0;
    case 'stop':
      await stopPg(await loadRun(values.run), needHost());
      return 0;
    case 'exec': {
      if (rest.length === 0) throw new HarnessError(`exec needs -- <argv...>\n${USAGE}`);
      const r = await runOnHost(await loadRun(values.run), needHost(), rest, {
        asUser: values.root ? 'root' : 'postgres',
        check: false,
      });
      process.stdout.write(r.stdout);
      process.stderr.write(r.stderr);
      return r.code ?? 1;
    }
    case 'cleanup': {
      const res = await cleanupStale();
      console.error(`removed: ${res.removed.join(', ') || 'nothing'}`);
      for (const p of res.problems) console.error(`problem: ${p}`);
      return res.problems.length ? 1 : 0;
    }
    default:
      console.error(`unknown command ${command}\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof HarnessError ? err.message : err);
    process.exit(1);
  },
);
