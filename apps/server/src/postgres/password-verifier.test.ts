import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generatePassword, md5Verifier, scramSha256Verifier } from './password-verifier.ts';

/** RFC 5802 §2.2 Hi(str, salt, i): U1 = HMAC(str, salt + INT(1)), Ui = HMAC(str, Ui-1), XOR of all. */
function hi(password: string, salt: Buffer, iterations: number): Buffer {
  let u = createHmac('sha256', password)
    .update(Buffer.concat([salt, Buffer.from([0, 0, 0, 1])]))
    .digest();
  const out = Buffer.from(u);
  for (let i = 1; i < iterations; i++) {
    u = createHmac('sha256', password).update(u).digest();
    for (let j = 0; j < out.length; j++) out[j] = (out[j] as number) ^ (u[j] as number);
  }
  return out;
}

const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();

/** Splits a PostgreSQL SCRAM verifier: SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>. */
function parseVerifier(v: string) {
  const m =
    /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2}):([A-Za-z0-9+/]+={0,2})$/.exec(v);
  if (!m) throw new Error(`not a SCRAM-SHA-256 verifier: ${v}`);
  return {
    iterations: Number(m[1]),
    salt: Buffer.from(m[2] as string, 'base64'),
    storedKey: Buffer.from(m[3] as string, 'base64'),
    serverKey: Buffer.from(m[4] as string, 'base64'),
  };
}

describe('scramSha256Verifier', () => {
  it('has the format PostgreSQL stores in pg_authid: 4096 iterations, a 16-byte salt, two 32-byte keys', () => {
    const v = scramSha256Verifier('Secret123');
    const p = parseVerifier(v);
    expect(p.iterations).toBe(4096);
    expect(p.salt.length).toBe(16);
    expect(p.storedKey.length).toBe(32);
    expect(p.serverKey.length).toBe(32);
    // A new salt each time: the same password never gives the same verifier twice.
    expect(parseVerifier(scramSha256Verifier('Secret123')).salt.equals(p.salt)).toBe(false);
  });

  it("known answer: StoredKey = H(HMAC(Hi(p, salt, i), 'Client Key')), ServerKey = HMAC(Hi(…), 'Server Key')", () => {
    const salt = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
    const password = 'k7PqZ2xWm9';
    const salted = hi(password, salt, 4096);
    const storedKey = createHash('sha256').update(hmac(salted, 'Client Key')).digest();
    const serverKey = hmac(salted, 'Server Key');
    expect(scramSha256Verifier(password, salt)).toBe(
      `SCRAM-SHA-256$4096:AAECAwQFBgcICQoLDA0ODw==$${storedKey.toString('base64')}:${serverKey.toString('base64')}`,
    );
    // Another iteration count is written as given and changes the keys.
    const v10 = parseVerifier(scramSha256Verifier(password, salt, 10));
    expect(v10.iterations).toBe(10);
    expect(v10.serverKey.equals(hmac(hi(password, salt, 10), 'Server Key'))).toBe(true);
  });

  it('checks the RFC 7677 §3 exchange: the client proof and server signature of user/pencil', () => {
    const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
    const v = parseVerifier(scramSha256Verifier('pencil', salt, 4096));
    const clientFirstBare = 'n=user,r=rOprNGfwEbeRWgbNEkqO';
    const serverFirst =
      'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';
    const clientFinalNoProof = 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
    const authMessage = `${clientFirstBare},${serverFirst},${clientFinalNoProof}`;
    // The server signature the RFC shows (v=…) comes from the ServerKey alone.
    expect(hmac(v.serverKey, authMessage).toString('base64')).toBe(
      '6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
    );
    // The RFC's client proof (p=…) verifies against the StoredKey as the server checks it.
    const proof = Buffer.from('dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=', 'base64');
    const signature = hmac(v.storedKey, authMessage);
    const clientKey = Buffer.from(proof.map((b, i) => b ^ (signature[i] as number)));
    expect(createHash('sha256').update(clientKey).digest().equals(v.storedKey)).toBe(true);
  });

  it('refuses passwords SASLprep could change (non-ASCII, spaces, control characters) and the empty one', () => {
    for (const bad of ['', 'with space', 'tab\there', 'ünïcode', 'new\nline', '\u00a0nbsp']) {
      expect(() => scramSha256Verifier(bad), JSON.stringify(bad)).toThrow(/printable ASCII/);
    }
    expect(() => scramSha256Verifier('!~"\'\\$`')).not.toThrow();
  });
});

describe('md5Verifier', () => {
  it('is "md5" + md5(password + user name), e.g. postgres/postgres', () => {
    // The value every PostgreSQL ≤ 9.6 install shows in pg_authid for password "postgres".
    expect(md5Verifier('postgres', 'postgres')).toBe('md53175bce1d3201d16594cebf9d7eb3f9d');
    expect(md5Verifier('secret', 'replicator')).toBe(
      `md5${createHash('md5').update('secretreplicator').digest('hex')}`,
    );
    // The user name salts it: the same password for another role differs.
    expect(md5Verifier('secret', 'replicator')).not.toBe(md5Verifier('secret', 'backup'));
    expect(md5Verifier('secret', 'replicator')).toMatch(/^md5[0-9a-f]{32}$/);
  });
});

describe('generatePassword', () => {
  const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

  it('32 letters and digits, none a file format would escape, none easily confused (0 O 1 l I)', () => {
    for (let i = 0; i < 200; i++) {
      const p = generatePassword();
      expect(p).toHaveLength(32);
      expect(p).toMatch(/^[A-HJ-NP-Za-km-z2-9]{32}$/);
    }
  });

  it('never repeats, and uses every character of its alphabet about evenly', () => {
    const passwords = Array.from({ length: 2000 }, () => generatePassword());
    expect(new Set(passwords).size).toBe(passwords.length);
    const counts = new Map<string, number>();
    for (const p of passwords) for (const c of p) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect([...counts.keys()].sort().join('')).toBe([...ALPHABET].sort().join(''));
    // 64 000 characters over 57 symbols: about 1123 each (σ ≈ 33).
    for (const [c, n] of counts) expect([c, n > 900 && n < 1350]).toEqual([c, true]);
    // A plain byte % 57 would give the first 28 symbols 5/256 and the rest 4/256 (≈1250 vs ≈1000
    // each); unbiased, the two groups' means differ by a few counts (σ of the difference ≈ 9).
    const mean = (cs: string[]) => cs.reduce((a, c) => a + (counts.get(c) ?? 0), 0) / cs.length;
    const low = [...ALPHABET].slice(0, 28);
    const high = [...ALPHABET].slice(28);
    expect(Math.abs(mean(low) - mean(high))).toBeLessThan(60);
  });

  it('is accepted by the SCRAM verifier as it is', () => {
    expect(() => scramSha256Verifier(generatePassword())).not.toThrow();
  });
});
