import { createHmac } from 'node:crypto';

/**
 * The two OpenSSH files link-nodes edits: the standby's authorized_keys (the primary's public key,
 * added once) and the primary's known_hosts (the standby's host key as walboard pinned it).
 * Pure text functions; every other line is kept byte for byte.
 */

export interface PublicKey {
  type: string;
  /** The key blob, base64 as in the file. */
  blob: string;
  comment: string;
}

const KEY_TYPE =
  /^(ssh-ed25519|ssh-rsa|ssh-dss|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com)$/;
const BLOB = /^[A-Za-z0-9+/]+={0,3}$/;

/** A `type blob [comment]` line (an id_*.pub file), or null when it is not one. */
export function parsePublicKey(text: string): PublicKey | null {
  const line = text.trim().split('\n')[0] ?? '';
  const [type = '', blob = '', ...rest] = line.split(/\s+/);
  if (!KEY_TYPE.test(type) || !BLOB.test(blob)) return null;
  // The blob starts with the type's own name: a mismatch is a damaged or forged file.
  const inner = Buffer.from(blob, 'base64');
  const len = inner.length >= 4 ? inner.readUInt32BE(0) : 0;
  if (len === 0 || inner.subarray(4, 4 + len).toString('latin1') !== type) return null;
  return { type, blob, comment: rest.join(' ') };
}

function lines(text: string | null): string[] {
  if (!text) return [];
  const l = text.split('\n');
  if (l[l.length - 1] === '') l.pop();
  return l;
}

/** Key blobs found on a line of authorized_keys (after any options). */
function blobsOf(line: string): string[] {
  const t = line.trim();
  if (t === '' || t.startsWith('#')) return [];
  const tokens = t.split(/\s+/);
  const out: string[] = [];
  for (let i = 0; i + 1 < tokens.length; i++)
    if (KEY_TYPE.test(tokens[i] as string) && BLOB.test(tokens[i + 1] as string))
      out.push(tokens[i + 1] as string);
  return out;
}

/** authorized_keys with `key` in it: unchanged when the key is there already, else one line added. */
export function withAuthorizedKey(
  text: string | null,
  key: PublicKey,
  comment: string,
): { text: string; changed: boolean } {
  const l = lines(text);
  if (l.some((line) => blobsOf(line).includes(key.blob))) return { text: text ?? '', changed: false };
  l.push(`${key.type} ${key.blob} ${comment}`);
  return { text: `${l.join('\n')}\n`, changed: true };
}

function hostMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt = '', hash = ''] = pattern.split('|');
    const h = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return h === hash;
  }
  return pattern === name;
}

export class KnownHostConflict extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
    this.name = 'KnownHostConflict';
  }
}

/**
 * known_hosts with `name type blob` in it. Unchanged when present; refused (KnownHostConflict)
 * when the file already holds another key of the same type for that name — that is exactly what
 * an impostor would look like, and only a person may decide it is a reinstalled server.
 */
export function withKnownHost(
  text: string | null,
  name: string,
  key: { type: string; blob: string },
  comment: string,
): { text: string; changed: boolean } {
  const l = lines(text);
  for (let i = 0; i < l.length; i++) {
    const t = (l[i] as string).trim();
    if (t === '' || t.startsWith('#') || t.startsWith('@')) continue;
    const [hosts = '', type = '', blob = ''] = t.split(/\s+/);
    if (type !== key.type || !hosts.split(',').some((p) => hostMatches(p, name))) continue;
    if (blob === key.blob) return { text: text ?? '', changed: false };
    throw new KnownHostConflict(
      i + 1,
      `known_hosts line ${i + 1} holds another ${type} key for ${name}: if the server was reinstalled, remove that line (ssh-keygen -R ${name}) after checking its new key, then try again`,
    );
  }
  l.push(`${name} ${key.type} ${key.blob} ${comment}`);
  return { text: `${l.join('\n')}\n`, changed: true };
}
