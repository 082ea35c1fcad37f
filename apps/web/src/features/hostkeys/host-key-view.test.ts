import type { NodeStatus } from '@walboard/shared';
import { nodeStatusFixture } from '@walboard/shared/testing';
import { describe, expect, it } from 'vitest';
import { RequestError } from '../../api/get-json.ts';
import { checkCommand, hostKeyAlarm, hostKeyPath, pinBody, pinProblem } from './host-key-view.ts';

const OFFERED = 'SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s';
const PINNED = 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU';

const status = (hostKey: NodeStatus['hostKey']): NodeStatus =>
  nodeStatusFixture('h1', {
    reachability: { ssh: 'down', pg: 'down', reason: 'host key not pinned' },
    ...(hostKey ? { hostKey } : {}),
  });

describe('hostKeyAlarm', () => {
  it('is null for a pinned key and for a node without ssh', () => {
    expect(
      hostKeyAlarm(status({ state: 'pinned', pinned: PINNED, offered: PINNED, offeredType: 'ssh-ed25519' })),
    ).toBeNull();
    expect(hostKeyAlarm(status(undefined))).toBeNull();
  });

  it('carries the offered key of an unpinned node', () => {
    expect(
      hostKeyAlarm(status({ state: 'unknown', pinned: null, offered: OFFERED, offeredType: 'ssh-ed25519' })),
    ).toEqual({
      cluster: 'lab',
      node: 'h1',
      state: 'unknown',
      pinned: null,
      offered: OFFERED,
      offeredType: 'ssh-ed25519',
    });
  });

  it('carries both keys of a changed one', () => {
    const a = hostKeyAlarm(
      status({ state: 'mismatch', pinned: PINNED, offered: OFFERED, offeredType: 'ecdsa-sha2-nistp256' }),
    );
    expect(a?.state).toBe('mismatch');
    expect([a?.pinned, a?.offered]).toEqual([PINNED, OFFERED]);
  });
});

describe('pinBody', () => {
  const alarm = (offered: string | null) =>
    hostKeyAlarm(status({ state: 'unknown', pinned: null, offered, offeredType: 'ssh-ed25519' }));

  it('pins exactly the offered fingerprint', () => {
    const a = alarm(OFFERED);
    expect(a && pinBody(a)).toEqual({ fingerprint: OFFERED });
  });

  it('has nothing to pin when no key (or a malformed one) was offered', () => {
    for (const offered of [null, 'MD5:aa:bb', `${OFFERED}\n`, 'SHA256:short']) {
      const a = alarm(offered);
      expect(a && pinBody(a), String(offered)).toBeNull();
    }
  });
});

describe('hostKeyPath / checkCommand', () => {
  it('encodes names into the path', () => {
    expect(hostKeyPath('lab', 'h1')).toBe('/api/clusters/lab/nodes/h1/host-key');
    expect(hostKeyPath('a/b', 'c?d')).toBe('/api/clusters/a%2Fb/nodes/c%3Fd/host-key');
  });

  it('points at the public key file of the offered type', () => {
    expect(checkCommand('ssh-ed25519')).toBe('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub');
    expect(checkCommand('ecdsa-sha2-nistp256')).toBe('ssh-keygen -lf /etc/ssh/ssh_host_ecdsa_key.pub');
    expect(checkCommand('rsa-sha2-512')).toBe('ssh-keygen -lf /etc/ssh/ssh_host_rsa_key.pub');
    expect(checkCommand(null)).toBe('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub');
  });
});

describe('pinProblem', () => {
  const server = (status: number, message: string) =>
    new RequestError({ kind: 'server', status, code: null, message });
  it('says only admins may pin (403), and shows why the server refused (409)', () => {
    expect(pinProblem(server(403, 'admin role needed')).key).toBe('hostkeys.error.forbidden');
    expect(pinProblem(server(409, 'h1 now offers another key'))).toEqual({
      key: 'hostkeys.error.refused',
      vars: { message: 'h1 now offers another key' },
    });
    expect(pinProblem(server(401, 'x')).sessionEnded).toBe(true);
    expect(pinProblem(server(503, 'could not read the key h1 offers')).key).toBe('hostkeys.error.refused');
    expect(pinProblem(server(500, 'internal')).key).toBe('hostkeys.error.server');
  });
});
