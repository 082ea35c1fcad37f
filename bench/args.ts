// Command line of `pnpm bench`: which measurements, how long, how many samples.
import { parseArgs } from 'node:util';

/** Measurement names, as they appear in results.json; `--only` takes these or the short aliases. */
export const MEASUREMENTS = [
  'statusPollMs',
  'commitToBrowserMs',
  'queriesPerSecondPerNode',
  'fanout',
  'logBurst',
  'rssMb',
  'cloneSeconds',
  'promoteMs',
  'setupSeconds',
  'switchover',
  'coldStart',
] as const;
export type Measurement = (typeof MEASUREMENTS)[number];

const ALIASES: Record<string, Measurement> = {
  poll: 'statusPollMs',
  commit: 'commitToBrowserMs',
  qps: 'queriesPerSecondPerNode',
  queries: 'queriesPerSecondPerNode',
  log: 'logBurst',
  logs: 'logBurst',
  rss: 'rssMb',
  clone: 'cloneSeconds',
  promote: 'promoteMs',
  setup: 'setupSeconds',
  cold: 'coldStart',
  'cold-start': 'coldStart',
};

export interface BenchArgs {
  only: ReadonlySet<Measurement>;
  rssMinutes: number;
  commitSamples: number;
  fanoutClients: number;
  logRate: number;
  logSeconds: number;
  cloneSamples: number;
  cloneScale: number;
  promoteSamples: number;
  setupSamples: number;
  switchoverSamples: number;
  coldSamples: number;
}

const USAGE = `usage: pnpm bench [-- --only a,b] [--rss-minutes 10] [--commit-samples 200] [--fanout-clients 1000]
  [--log-rate 20000] [--log-seconds 10] [--clone-samples 3] [--clone-scale 70] [--promote-samples 5]
  [--setup-samples 2] [--switchover-samples 3] [--cold-samples 7]
measurements: ${MEASUREMENTS.join(', ')} (aliases: ${Object.keys(ALIASES).join(', ')})`;

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`--${name} must be a positive number, not "${text}"\n${USAGE}`);
  return n;
}

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  // `pnpm bench -- --only x` passes the `--` through to the script.
  const { values } = parseArgs({
    args: argv.filter((a) => a !== '--'),
    options: {
      only: { type: 'string' },
      'rss-minutes': { type: 'string' },
      'commit-samples': { type: 'string' },
      'fanout-clients': { type: 'string' },
      'log-rate': { type: 'string' },
      'log-seconds': { type: 'string' },
      'clone-samples': { type: 'string' },
      'clone-scale': { type: 'string' },
      'promote-samples': { type: 'string' },
      'setup-samples': { type: 'string' },
      'switchover-samples': { type: 'string' },
      'cold-samples': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  let only = new Set<Measurement>(MEASUREMENTS);
  if (values.only) {
    only = new Set();
    for (const raw of values.only
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const m = (MEASUREMENTS as readonly string[]).includes(raw) ? (raw as Measurement) : ALIASES[raw];
      if (!m) throw new Error(`unknown measurement "${raw}"\n${USAGE}`);
      only.add(m);
    }
  }
  return {
    only,
    rssMinutes: positive('rss-minutes', values['rss-minutes'], 10),
    commitSamples: Math.round(positive('commit-samples', values['commit-samples'], 200)),
    fanoutClients: Math.round(positive('fanout-clients', values['fanout-clients'], 1000)),
    logRate: Math.round(positive('log-rate', values['log-rate'], 20_000)),
    logSeconds: positive('log-seconds', values['log-seconds'], 10),
    cloneSamples: Math.round(positive('clone-samples', values['clone-samples'], 3)),
    cloneScale: Math.round(positive('clone-scale', values['clone-scale'], 70)),
    promoteSamples: Math.round(positive('promote-samples', values['promote-samples'], 5)),
    setupSamples: Math.round(positive('setup-samples', values['setup-samples'], 2)),
    switchoverSamples: Math.round(positive('switchover-samples', values['switchover-samples'], 3)),
    coldSamples: Math.round(positive('cold-samples', values['cold-samples'], 7)),
  };
}
