import type { NodeConfig } from '@walboard/shared/config';
import type { OperationRequestOf, PlanStep } from '@walboard/shared/operations';
import { knownHostsName, type SshTarget, sshTargetOf } from '../../nodes/node-address.ts';
import {
  KnownHostConflict,
  type PublicKey,
  parsePublicKey,
  withAuthorizedKey,
  withKnownHost,
} from '../../nodes/ssh-files.ts';
import { sshTransportCommand } from '../../postgres/archive-command.ts';
import type { ClusterReader } from '../cluster-reader.ts';
import { backupPath } from '../config-paths.ts';
import { defineOperation } from '../operation-module.ts';
import { type ExecStep, type FileSnapshot, PlanRefusal } from '../plan-types.ts';
import { authorizedKeysOf, knownHostsOf, otherNodes, sshDirOf, sshKeyOf } from '../replication-common.ts';
import { editTextFile } from '../settings-writer.ts';
import { commandStep, customStep, fail, ok, textFileStep } from '../step-builders.ts';
import { unifiedDiff } from '../unified-diff.ts';

/**
 * link-nodes: what the lab does with ssh-keygen and ssh-copy-id, without its two weak spots —
 * no key is ever overwritten, and the standby's host key comes from walboard's own pin (never
 * ssh-keyscan, never StrictHostKeyChecking=no). Proven by a batch-mode ssh from the primary.
 */

interface StandbyLink {
  config: NodeConfig;
  /** none: both nodes are on this machine (transport local), archiving copies locally. */
  kind: 'none' | 'ssh';
  target: SshTarget | null;
  home: string | null;
  sshDirExists: boolean;
  authorizedKeys: FileSnapshot | null;
  hostKey: { type: string; blob: string } | null;
}

export interface LinkFacts {
  primary: NodeConfig;
  home: string | null;
  sshDirExists: boolean;
  keyExists: boolean;
  publicKey: PublicKey | null;
  knownHosts: FileSnapshot | null;
  standbys: StandbyLink[];
}

/** Reads both ends of each link: keys, authorized_keys, known_hosts, and walboard's pinned host keys. */
export async function readLinkFacts(
  primary: string,
  standbys: readonly string[],
  reader: ClusterReader,
): Promise<LinkFacts> {
  const p = reader.session(primary).config;
  const others = otherNodes(reader, primary, standbys, 'standby');
  const links: StandbyLink[] = await Promise.all(
    others.map(async (s) => {
      if (s.transport === 'local' && p.transport === 'local')
        return {
          config: s,
          kind: 'none',
          target: null,
          home: null,
          sshDirExists: false,
          authorizedKeys: null,
          hostKey: null,
        };
      if (s.transport === 'local')
        throw new PlanRefusal(
          s.name,
          `${s.name} is a local node (on walboard's own machine) but ${primary} is reached over ssh: ${primary} cannot ship WAL to it; describe ${s.name} as an ssh node in walboard.yaml`,
        );
      const home = await reader.home(s.name);
      const [dir, auth] = await Promise.all([
        reader.pathType(s.name, sshDirOf(home)),
        reader.file(s.name, authorizedKeysOf(home)),
      ]);
      return {
        config: s,
        kind: 'ssh',
        target: sshTargetOf(s),
        home,
        sshDirExists: dir === 'dir',
        authorizedKeys: auth,
        hostKey: reader.session(s.name).transport.verifiedHostKey?.() ?? null,
      };
    }),
  );
  if (links.every((l) => l.kind === 'none'))
    return {
      primary: p,
      home: null,
      sshDirExists: false,
      keyExists: false,
      publicKey: null,
      knownHosts: null,
      standbys: links,
    };
  const home = await reader.home(primary);
  const [dirType, keyType, pub, known] = await Promise.all([
    reader.pathType(primary, sshDirOf(home)),
    reader.pathType(primary, sshKeyOf(home)),
    reader.file(primary, `${sshKeyOf(home)}.pub`),
    reader.file(primary, knownHostsOf(home)),
  ]);
  const keyExists = keyType !== null;
  const publicKey = pub ? parsePublicKey(pub.text) : null;
  if (keyExists && !publicKey)
    throw new PlanRefusal(
      primary,
      `${sshKeyOf(home)} exists on ${primary} but its public half ${sshKeyOf(home)}.pub is missing or unreadable: walboard never replaces a key; recreate the .pub with ssh-keygen -y -f ${sshKeyOf(home)}`,
    );
  return {
    primary: p,
    home,
    sshDirExists: dirType === 'dir',
    keyExists,
    publicKey,
    knownHosts: known,
    standbys: links,
  };
}

/** The ssh command that proves the link (also what preflight runs). */
export function sshProofArgv(home: string, t: SshTarget): string[] {
  const opts = sshTransportCommand({ kind: 'ssh', ...t, dir: '/', identityFile: sshKeyOf(home) })
    .split(' ')
    .slice(1);
  // "-o X=y" pairs as rsync splits them, passed to ssh as separate arguments.
  const argv: string[] = ['ssh'];
  for (let i = 0; i < opts.length; i++) {
    const o = opts[i] as string;
    if (o === '-o' || o === '-i' || o === '-p') {
      argv.push(o, opts[i + 1] as string);
      i++;
    } else argv.push(o);
  }
  const host = t.host.includes(':') ? `[${t.host}]` : t.host;
  return [...argv, '--', `${t.user}@${host}`, 'true'];
}

/** The steps that give `primary` passwordless ssh to each standby; empty for standbys that need none. */
export function planLinks(
  f: LinkFacts,
  cluster: string,
  now: Date,
  extra: Pick<PlanStep, 'phase'> = {},
): { steps: ExecStep[]; notes: string[] } {
  const p = f.primary.name;
  const steps: ExecStep[] = [];
  const notes: string[] = [];
  for (const s of f.standbys.filter((l) => l.kind === 'none'))
    notes.push(
      `${p} and ${s.config.name} are on the same machine (transport: local): no ssh is needed, archive_command copies with rsync to ${s.config.name}'s archive directory directly.`,
    );
  const sshLinks = f.standbys.filter((l) => l.kind === 'ssh');
  if (sshLinks.length === 0 || !f.home) return { steps, notes };
  const home = f.home;
  const key = sshKeyOf(home);
  if (!f.sshDirExists)
    steps.push(
      commandStep(
        p,
        `Create ${sshDirOf(home)} on ${p} (only its owner may enter it)`,
        ['mkdir', '-m', '700', '--', sshDirOf(home)],
        30_000,
        extra,
      ),
    );
  if (!f.keyExists)
    steps.push(
      commandStep(
        p,
        `Create an ssh key for ${p}'s PostgreSQL user (${key}, no passphrase: archive_command runs unattended)`,
        ['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', `walboard-${cluster}-${p}`, '-f', key],
        30_000,
        extra,
      ),
    );
  else notes.push(`${p} already has the key ${key}: it is used as it is, never replaced.`);
  let known = f.knownHosts?.text ?? null;
  const trusted: string[] = [];
  const proofs: ExecStep[] = [];
  for (const l of sshLinks) {
    const s = l.config.name;
    const t = l.target as SshTarget;
    const sHome = l.home as string;
    if (!l.hostKey)
      throw new PlanRefusal(
        s,
        `walboard has not verified ${s}'s ssh host key yet (it is not pinned, or no connection has checked it since): pin it on the page, wait for ${s} to show as connected, then plan again`,
      );
    if (!l.sshDirExists)
      steps.push(
        commandStep(
          s,
          `Create ${sshDirOf(sHome)} on ${s}`,
          ['mkdir', '-m', '700', '--', sshDirOf(sHome)],
          30_000,
          extra,
        ),
      );
    const authPath = authorizedKeysOf(sHome);
    const comment = `walboard-${cluster}-${p}`;
    const shownKey = f.publicKey ?? {
      type: 'ssh-ed25519',
      blob: `<public key of ${p}, created by the step above>`,
      comment: '',
    };
    const previewed = withAuthorizedKey(l.authorizedKeys?.text ?? null, shownKey, comment);
    if (previewed.changed) {
      const backup = l.authorizedKeys ? backupPath(authPath, now) : null;
      steps.push(
        customStep(
          {
            node: s,
            kind: 'file',
            title: `Let ${p}'s key log in as ${t.user} on ${s} (${authPath})${backup ? ` (original kept as ${backup})` : ''}`,
            file: {
              path: authPath,
              backup,
              diff: unifiedDiff(authPath, l.authorizedKeys?.text ?? null, previewed.text),
            },
            detail: `The key is read from ${key}.pub on ${p} when this step runs, and added once.`,
            ...extra,
          },
          async (rt) => {
            const pubText = (await rt.session(p).transport.readFile(`${key}.pub`)).toString('utf8');
            const pub = parsePublicKey(pubText);
            if (!pub) return fail(`${key}.pub on ${p} is not an ssh public key`);
            const log = await editTextFile(
              rt.session(s).transport,
              authPath,
              (cur) => withAuthorizedKey(cur, pub, comment),
              {
                backup: (path) => backupPath(path, rt.now()),
                mode: 0o600,
              },
            );
            return ok(log ? log.join('\n') : `${authPath} on ${s} already lets ${p}'s key in`);
          },
        ),
      );
    } else notes.push(`${s} already lets ${p}'s key log in (${authPath}).`);
    try {
      const next = withKnownHost(known, knownHostsName(t), l.hostKey, `walboard-pinned-${s}`);
      if (next.changed) trusted.push(`${s} (${l.hostKey.type})`);
      else notes.push(`${p} already trusts ${s}'s host key (${knownHostsOf(home)}).`);
      known = next.text;
    } catch (err) {
      if (err instanceof KnownHostConflict)
        throw new PlanRefusal(p, `${knownHostsOf(home)} on ${p}: ${err.message}`);
      throw err;
    }
    proofs.push(
      commandStep(
        p,
        `Prove that ${p} reaches ${s} over ssh without a password (batch mode, known host key only)`,
        sshProofArgv(home, t),
        30_000,
        extra,
      ),
    );
  }
  // One change of known_hosts for every standby: one backup of the original.
  if (trusted.length > 0 && known !== null)
    steps.push(
      textFileStep(
        p,
        knownHostsOf(home),
        f.knownHosts,
        known,
        now,
        `Trust the host keys walboard pinned for ${trusted.join(', ')} in ${knownHostsOf(home)} on ${p}`,
        { mode: 0o644, extra },
      ),
    );
  steps.push(...proofs);
  return { steps, notes };
}

export const linkNodesOperation = defineOperation({
  type: 'link-nodes',
  gather: (req: OperationRequestOf<'link-nodes'>, reader) =>
    readLinkFacts(req.node, req.params.standbys, reader),
  plan: (req, facts, env) => {
    const { steps, notes } = planLinks(facts, env.cluster, env.now);
    return {
      plan: {
        type: req.type,
        cluster: env.cluster,
        node: req.node,
        destructive: true,
        steps: steps.map((s) => s.shown),
        ...(notes.length ? { notes } : {}),
      },
      steps,
    };
  },
});
