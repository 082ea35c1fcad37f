// Network plumbing: one bridge per run in the root namespace (holding the controller's .1),
// one network namespace per host with a veth into the bridge, and nftables-based isolation.
import { link, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { harnessError, run, runChecked } from './proc.ts';
import { BRIDGE_PREFIX, NETNS_PREFIX, SUBNET_PREFIX, subnetClaimPath, VETH_PREFIX } from './state.ts';

export const bridgeName = (run: string): string => `${BRIDGE_PREFIX}${run}`;
export const netnsName = (run: string, host: string): string => `${NETNS_PREFIX}${run}-${host}`;
export const vethName = (run: string, index: number): string => {
  const name = `${VETH_PREFIX}${run}-${index}`;
  // Linux interface names are at most 15 bytes (IFNAMSIZ - 1).
  if (name.length > 15) throw harnessError(null, 'naming interfaces', `${name} is longer than 15 characters`);
  return name;
};
export const hostIp = (subnetIndex: number, hostIndex: number): string =>
  `${SUBNET_PREFIX}.${subnetIndex}.${hostIndex + 1}`;

async function ipJson<T>(args: readonly string[]): Promise<T[]> {
  const r = await run('ip', ['-j', ...args]);
  if (r.code !== 0 || !r.stdout.trim()) return [];
  return JSON.parse(r.stdout) as T[];
}

/** IPv4 /24s of 10.213.x already present in the root namespace (ours or anyone's). */
async function subnetsInUse(): Promise<Set<number>> {
  const used = new Set<number>();
  const routes = await ipJson<{ dst?: string }>(['-4', 'route', 'show', 'table', 'all']);
  const addrs = await ipJson<{ addr_info?: { local?: string }[] }>(['-4', 'addr', 'show']);
  const candidates = [
    ...routes.map((r) => r.dst ?? ''),
    ...addrs.flatMap((a) => (a.addr_info ?? []).map((i) => i.local ?? '')),
  ];
  for (const c of candidates) {
    const m = c.match(/^10\.213\.(\d+)\./);
    if (m?.[1]) used.add(Number(m[1]));
  }
  return used;
}

/**
 * Picks a free 10.213.<x>.0/24 and claims it with a claim file created atomically with its
 * content (link(2) of a written temp file fails if the claim exists), so two runs started at
 * the same moment never share a subnet and a concurrent cleanup never sees an empty claim.
 */
export async function claimSubnet(run: string): Promise<number> {
  const used = await subnetsInUse();
  const start = Math.floor(Math.random() * 250);
  for (let i = 0; i < 250; i++) {
    const index = 1 + ((start + i) % 250);
    if (used.has(index)) continue;
    const tmp = join(dirname(subnetClaimPath(index)), `.tmp-${run}-${index}`);
    await writeFile(tmp, run);
    const won = await link(tmp, subnetClaimPath(index)).then(
      () => true,
      () => false,
    );
    await rm(tmp, { force: true });
    if (won) return index;
  }
  throw harnessError(
    null,
    'choosing a subnet',
    'every 10.213.x.0/24 is in use or claimed',
    'run `npx tsx e2e/hosts/cli.ts down --all` to remove old runs',
  );
}

export async function releaseSubnet(index: number, run: string): Promise<void> {
  const owner = await readFile(subnetClaimPath(index), 'utf8').catch(() => null);
  if (owner === run) await rm(subnetClaimPath(index), { force: true });
}

/** Subnet claims whose run has no directory any more (left by a crash between steps). */
export async function releaseOrphanClaims(claimsDir: string, runExists: (run: string) => Promise<boolean>) {
  for (const entry of await readdir(claimsDir).catch(() => [])) {
    // A run creates its directory before claiming, so checking after reading is race-free.
    const owner = entry.startsWith('.tmp-')
      ? entry.slice(5, 11)
      : await readFile(join(claimsDir, entry), 'utf8').catch(() => '');
    if (!(await runExists(owner))) await rm(join(claimsDir, entry), { recursive: true, force: true });
  }
}

/**
 * An `unreachable` route for all of 10.213.0.0/16 in the root namespace. Each run's bridge
 * adds a more specific /24, so live hosts are unaffected; but once a run is down, anything
 * still aiming at its IPs (a test's server retrying, a late probe) fails at once locally
 * instead of leaving through the default route — where, on this machine, something answers.
 * Left in place on purpose (like /run/sshd): removing it would race with concurrent runs.
 */
export async function ensureSafetyRoute(): Promise<void> {
  await runChecked(null, 'adding the unreachable route for 10.213.0.0/16', 'ip', [
    ...['route', 'replace', 'unreachable', `${SUBNET_PREFIX}.0.0/16`],
  ]);
}

export async function createBridge(name: string, ip: string): Promise<void> {
  const step = `creating bridge ${name}`;
  await runChecked(null, step, 'ip', ['link', 'add', name, 'type', 'bridge']);
  await runChecked(null, step, 'ip', ['addr', 'add', `${ip}/24`, 'dev', name]);
  await runChecked(null, step, 'ip', ['link', 'set', name, 'up']);
}

export async function createHostNetwork(
  host: string,
  netns: string,
  veth: string,
  bridge: string,
  ip: string,
): Promise<void> {
  const step = 'creating its network namespace';
  await runChecked(host, step, 'ip', ['netns', 'add', netns]);
  await runChecked(host, step, 'ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
  // Creating the peer directly inside the namespace: no window where an "eth0" exists in the
  // root namespace, and both ends vanish together when the namespace is deleted.
  await runChecked(host, step, 'ip', [
    'link',
    'add',
    veth,
    'type',
    'veth',
    'peer',
    'name',
    'eth0',
    'netns',
    netns,
  ]);
  await runChecked(host, step, 'ip', ['link', 'set', veth, 'master', bridge, 'up']);
  await runChecked(host, step, 'ip', ['-n', netns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
  await runChecked(host, step, 'ip', ['-n', netns, 'link', 'set', 'eth0', 'up']);
}

export async function listNetns(prefix = NETNS_PREFIX): Promise<string[]> {
  const list = await ipJson<{ name: string }>(['netns', 'list']);
  return list.map((n) => n.name).filter((n) => n.startsWith(prefix));
}

export async function listLinks(
  prefixes: readonly string[] = [BRIDGE_PREFIX, VETH_PREFIX],
): Promise<string[]> {
  const list = await ipJson<{ ifname: string }>(['link', 'show']);
  return list.map((l) => l.ifname).filter((n) => prefixes.some((p) => n.startsWith(p)));
}

/** Root-namespace pids of every process whose network namespace is `netns`. */
export async function netnsPids(netns: string): Promise<number[]> {
  const r = await run('ip', ['netns', 'pids', netns]);
  if (r.code !== 0) return [];
  return r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map(Number);
}

export async function deleteNetns(netns: string): Promise<void> {
  const r = await run('ip', ['netns', 'del', netns]);
  if (r.code !== 0 && !/No such file|not exist|Invalid/.test(r.stderr)) {
    throw harnessError(null, `deleting network namespace ${netns}`, r.stderr.trim());
  }
}

export async function deleteLink(name: string): Promise<void> {
  const r = await run('ip', ['link', 'del', name]);
  // The kernel removes a veth pair by itself once its namespace end is gone: already gone is fine.
  if (r.code !== 0 && !/Cannot find device|does not exist|No such device/.test(r.stderr)) {
    throw harnessError(null, `deleting interface ${name}`, r.stderr.trim());
  }
}

// ---- isolation --------------------------------------------------------------------------------

const ISOLATE_TABLE = 'wb_isolate';

/**
 * Drops every packet entering or leaving the host except on loopback, from inside the host's
 * namespace. ARP still works, so peers (and the controller) see silent timeouts — SYNs and
 * established streams alike go unanswered — as in a real partition, not "no route to host".
 * `add` then `delete` first makes it idempotent in one atomic nft transaction.
 */
export async function isolateNetns(host: string, netns: string): Promise<void> {
  const rules = [
    `add table inet ${ISOLATE_TABLE}`,
    `delete table inet ${ISOLATE_TABLE}`,
    `table inet ${ISOLATE_TABLE} {`,
    '  chain input { type filter hook input priority raw; policy drop; iif "lo" accept; }',
    '  chain output { type filter hook output priority raw; policy drop; oif "lo" accept; }',
    '}',
    '',
  ].join('\n');
  await runChecked(
    host,
    'isolating (nftables drop rules)',
    'ip',
    ['netns', 'exec', netns, 'nft', '-f', '-'],
    {
      input: rules,
      hint: 'is the nftables package installed and the nf_tables module available?',
    },
  );
}

export async function rejoinNetns(host: string, netns: string): Promise<void> {
  await runChecked(
    host,
    'rejoining (removing nftables drop rules)',
    'ip',
    ['netns', 'exec', netns, 'nft', '-f', '-'],
    {
      input: `add table inet ${ISOLATE_TABLE}\ndelete table inet ${ISOLATE_TABLE}\n`,
    },
  );
}

export async function isIsolated(netns: string): Promise<boolean> {
  const r = await run('ip', ['netns', 'exec', netns, 'nft', 'list', 'table', 'inet', ISOLATE_TABLE]);
  return r.code === 0;
}
