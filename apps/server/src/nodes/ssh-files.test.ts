import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KnownHostConflict, parsePublicKey, withAuthorizedKey, withKnownHost } from './ssh-files.ts';

/** SSH wire `string`: uint32 length + bytes. */
function sshString(b: Buffer | string): Buffer {
  const data = typeof b === 'string' ? Buffer.from(b, 'latin1') : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  return Buffer.concat([len, data]);
}

/** A real ed25519 public key blob as OpenSSH writes it in id_ed25519.pub. */
function ed25519Blob(): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url');
  return Buffer.concat([sshString('ssh-ed25519'), sshString(raw)]).toString('base64');
}

function ecdsa256Blob(): string {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const point = Buffer.concat([
    Buffer.from([4]),
    Buffer.from(jwk.x as string, 'base64url'),
    Buffer.from(jwk.y as string, 'base64url'),
  ]);
  return Buffer.concat([sshString('ecdsa-sha2-nistp256'), sshString('nistp256'), sshString(point)]).toString(
    'base64',
  );
}

function rsaBlob(): string {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const jwk = publicKey.export({ format: 'jwk' });
  const mpint = (b64: string) => {
    const b = Buffer.from(b64, 'base64url');
    return sshString((b[0] as number) & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
  };
  return Buffer.concat([sshString('ssh-rsa'), mpint(jwk.e as string), mpint(jwk.n as string)]).toString(
    'base64',
  );
}

/** A hashed known_hosts name as ssh-keygen -H / HashKnownHosts writes it: |1|salt|HMAC-SHA1(salt, name). */
function hashedName(name: string, salt = randomBytes(20)): string {
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

const ED = ed25519Blob();
const ED2 = ed25519Blob();
const EC = ecdsa256Blob();
const RSA = rsaBlob();

describe('parsePublicKey', () => {
  it('reads an id_ed25519.pub line: type, blob, comment', () => {
    expect(parsePublicKey(`ssh-ed25519 ${ED} postgres@db1\n`)).toEqual({
      type: 'ssh-ed25519',
      blob: ED,
      comment: 'postgres@db1',
    });
    expect(parsePublicKey(`ssh-ed25519 ${ED}`)).toEqual({ type: 'ssh-ed25519', blob: ED, comment: '' });
    expect(parsePublicKey(`ecdsa-sha2-nistp256 ${EC} walboard c1`)?.comment).toBe('walboard c1');
    expect(parsePublicKey(`ssh-rsa ${RSA} r`)?.type).toBe('ssh-rsa');
  });

  it('refuses a blob whose inner type is not the declared type (a damaged or forged file)', () => {
    expect(parsePublicKey(`ssh-rsa ${ED} x`)).toBeNull();
    expect(parsePublicKey(`ssh-ed25519 ${EC} x`)).toBeNull();
    expect(parsePublicKey(`ecdsa-sha2-nistp384 ${EC} x`)).toBeNull();
  });

  it('refuses garbage, unknown types, private keys and empty input', () => {
    for (const text of [
      '',
      'hello world',
      `ssh-foo ${ED}`,
      'ssh-ed25519 AAAA',
      'ssh-ed25519 not*base64',
      `ssh-ed25519 ${Buffer.from('garbage that is base64').toString('base64')}`,
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----',
      `from="10.0.0.1" ssh-ed25519 ${ED}`,
    ])
      expect([text.slice(0, 30), parsePublicKey(text)]).toEqual([text.slice(0, 30), null]);
  });
});

describe('withAuthorizedKey', () => {
  const key = { type: 'ssh-ed25519', blob: ED, comment: 'postgres@db1' };
  const COMMENT = 'walboard-c1-db1';

  it('creates the file with the key line when there is none', () => {
    expect(withAuthorizedKey(null, key, COMMENT)).toEqual({
      text: `ssh-ed25519 ${ED} ${COMMENT}\n`,
      changed: true,
    });
    expect(withAuthorizedKey('', key, COMMENT).text).toBe(`ssh-ed25519 ${ED} ${COMMENT}\n`);
  });

  it('adds one line and keeps every other line and comment byte for byte', () => {
    const before = `# admins\nssh-rsa ${RSA} alice@laptop\n\necdsa-sha2-nistp256 ${EC} bob`;
    const r = withAuthorizedKey(before, key, COMMENT);
    expect(r).toEqual({ text: `${before}\nssh-ed25519 ${ED} ${COMMENT}\n`, changed: true });
  });

  it('is idempotent: the same key already there, under any comment, changes nothing', () => {
    const once = withAuthorizedKey('# x\n', key, COMMENT).text;
    expect(withAuthorizedKey(once, key, COMMENT)).toEqual({ text: once, changed: false });
    const byHand = `ssh-ed25519 ${ED} added-by-hand\n`;
    expect(withAuthorizedKey(byHand, key, COMMENT)).toEqual({ text: byHand, changed: false });
  });

  it('finds the key after options, including quoted options with spaces', () => {
    for (const line of [
      `restrict ssh-ed25519 ${ED} c`,
      `from="10.0.0.0/8",no-pty ssh-ed25519 ${ED}`,
      `command="rsync --server -e.LsfxC . /srv/archive",no-agent-forwarding ssh-ed25519 ${ED} c`,
    ]) {
      const text = `${line}\n`;
      expect(withAuthorizedKey(text, key, COMMENT)).toEqual({ text, changed: false });
    }
  });

  it('a commented-out line with the key does not count: the key is added', () => {
    const before = `# ssh-ed25519 ${ED} old\n`;
    expect(withAuthorizedKey(before, key, COMMENT)).toEqual({
      text: `${before}ssh-ed25519 ${ED} ${COMMENT}\n`,
      changed: true,
    });
  });

  it('another key is not this key', () => {
    const before = `ssh-ed25519 ${ED2} other\n`;
    expect(withAuthorizedKey(before, key, COMMENT).changed).toBe(true);
  });
});

describe('withKnownHost', () => {
  const HOST = '10.0.0.5';
  const key = { type: 'ssh-ed25519', blob: ED };
  const COMMENT = 'walboard-pinned-db2';

  it('adds `name type blob comment` to an empty or missing file', () => {
    expect(withKnownHost(null, HOST, key, COMMENT)).toEqual({
      text: `10.0.0.5 ssh-ed25519 ${ED} ${COMMENT}\n`,
      changed: true,
    });
  });

  it('unchanged when a plain entry (alone or in a list of names) holds the same key', () => {
    for (const hosts of [HOST, `db2,${HOST}`, `${HOST},db2.example.com`]) {
      const text = `other ssh-rsa ${RSA}\n${hosts} ssh-ed25519 ${ED}\n`;
      expect(withKnownHost(text, HOST, key, COMMENT)).toEqual({ text, changed: false });
    }
  });

  it('unchanged when a hashed |1|salt|hash entry for the name holds the same key', () => {
    const text = `${hashedName(HOST)} ssh-ed25519 ${ED}\n`;
    expect(withKnownHost(text, HOST, key, COMMENT)).toEqual({ text, changed: false });
    // A hashed entry for another name is another host.
    const other = `${hashedName('10.0.0.6')} ssh-ed25519 ${ED2}\n`;
    expect(withKnownHost(other, HOST, key, COMMENT)).toEqual({
      text: `${other}10.0.0.5 ssh-ed25519 ${ED} ${COMMENT}\n`,
      changed: true,
    });
  });

  it('throws KnownHostConflict with the line number when the name holds another key of the same type', () => {
    const text = `# mine\nfoo ssh-rsa ${RSA}\n${HOST} ssh-ed25519 ${ED2}\n`;
    const caught = thrown(() => withKnownHost(text, HOST, key, COMMENT));
    expect(caught).toBeInstanceOf(KnownHostConflict);
    expect((caught as KnownHostConflict).line).toBe(3);
    expect((caught as KnownHostConflict).message).toMatch(
      /line 3 .*ssh-ed25519 key for 10\.0\.0\.5.*ssh-keygen -R 10\.0\.0\.5/,
    );
  });

  it('a hashed entry with another key of the same type conflicts too', () => {
    const text = `\n${hashedName(HOST)} ssh-ed25519 ${ED2}\n`;
    const caught = thrown(() => withKnownHost(text, HOST, key, COMMENT));
    expect(caught).toBeInstanceOf(KnownHostConflict);
    expect((caught as KnownHostConflict).line).toBe(2);
  });

  it('other key types for the same host do not conflict: the pinned key is added', () => {
    const text = `${HOST} ssh-rsa ${RSA}\n${HOST} ecdsa-sha2-nistp256 ${EC}\n`;
    expect(withKnownHost(text, HOST, key, COMMENT)).toEqual({
      text: `${text}10.0.0.5 ssh-ed25519 ${ED} ${COMMENT}\n`,
      changed: true,
    });
  });

  it('[host]:port names: distinct from the bare host, matched plain and hashed', () => {
    const name = '[10.0.0.5]:2222';
    // The port-22 entry holds another key, but it is another name: no conflict.
    const bare = `${HOST} ssh-ed25519 ${ED2}\n`;
    expect(withKnownHost(bare, name, key, COMMENT)).toEqual({
      text: `${bare}[10.0.0.5]:2222 ssh-ed25519 ${ED} ${COMMENT}\n`,
      changed: true,
    });
    const plain = `[10.0.0.5]:2222 ssh-ed25519 ${ED}\n`;
    expect(withKnownHost(plain, name, key, COMMENT)).toEqual({ text: plain, changed: false });
    const hashed = `${hashedName(name)} ssh-ed25519 ${ED}\n`;
    expect(withKnownHost(hashed, name, key, COMMENT)).toEqual({ text: hashed, changed: false });
    expect(() => withKnownHost(`${hashedName(name)} ssh-ed25519 ${ED2}\n`, name, key, COMMENT)).toThrow(
      KnownHostConflict,
    );
    // A hashed entry of the bare host does not match the [host]:port name.
    const hashedBare = `${hashedName(HOST)} ssh-ed25519 ${ED2}\n`;
    expect(withKnownHost(hashedBare, name, key, COMMENT).changed).toBe(true);
  });

  it('comments and @cert-authority / @revoked marker lines are not host entries', () => {
    const text = `# ${HOST} ssh-ed25519 ${ED2}\n@cert-authority ${HOST} ssh-ed25519 ${ED2}\n`;
    expect(withKnownHost(text, HOST, key, COMMENT)).toEqual({
      text: `${text}10.0.0.5 ssh-ed25519 ${ED} ${COMMENT}\n`,
      changed: true,
    });
  });

  it('keeps a file without a final newline whole', () => {
    expect(withKnownHost(`a ssh-rsa ${RSA}`, HOST, key, COMMENT).text).toBe(
      `a ssh-rsa ${RSA}\n10.0.0.5 ssh-ed25519 ${ED} ${COMMENT}\n`,
    );
  });
});
