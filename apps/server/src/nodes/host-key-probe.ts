import { Client } from 'ssh2';
import type { OfferedKey } from './host-key-pin.ts';
import { keyType, sshFingerprint } from './ssh-support.ts';
import { TransportError } from './transport.ts';

export interface ProbeTarget {
  node: string;
  /** "n1 (root@host:22)", for messages. */
  where: string;
  host: string;
  port: number;
  username: string;
  timeoutMs: number;
}

/**
 * Learns the host key a server offers right now with a key exchange only: the verifier always
 * refuses, so the connection ends before authentication and carries no credentials at all.
 */
export function probeHostKey(t: ProbeTarget): Promise<OfferedKey> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let offered: OfferedKey | null = null;
    let failure: Error | null = null;
    client.on('error', (err: Error) => {
      failure ??= err;
    });
    client.on('close', () => {
      if (offered) return resolve(offered);
      reject(
        new TransportError(
          'unreachable',
          t.node,
          `cannot read the host key ${t.where} offers: ${failure?.message ?? 'the connection closed during the handshake'}`,
          'check that the node is up and that sshd accepts connections from the controller',
        ),
      );
    });
    try {
      client.connect({
        host: t.host,
        port: t.port,
        // ssh2 insists on a user name; it is never sent, the verifier ends the handshake first.
        username: t.username,
        readyTimeout: t.timeoutMs,
        hostVerifier: (key: Buffer) => {
          offered = { fingerprint: sshFingerprint(key), type: keyType(key) };
          return false;
        },
      });
    } catch (err) {
      reject(new TransportError('unreachable', t.node, `cannot probe ${t.where}: ${(err as Error).message}`));
    }
  });
}
