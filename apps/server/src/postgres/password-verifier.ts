import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

/**
 * Role passwords are sent to PostgreSQL already hashed, the way psql's \password does: the
 * statement, the server log and pg_stat_activity then hold a verifier, never the password.
 */

/** SCRAM-SHA-256 verifier as PostgreSQL stores it (RFC 5802/7677; 4096 iterations like the server). */
export function scramSha256Verifier(
  password: string,
  salt: Buffer = randomBytes(16),
  iterations = 4096,
): string {
  if (!/^[\x21-\x7E]+$/.test(password)) {
    // SASLprep is the identity on printable ASCII; walboard only generates such passwords.
    throw new Error('scramSha256Verifier: only printable ASCII passwords are supported');
  }
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** md5 verifier (PostgreSQL before 10): "md5" + md5(password + user name). */
export function md5Verifier(password: string, user: string): string {
  return `md5${createHash('md5')
    .update(password + user)
    .digest('hex')}`;
}

/** A new random password: 32 letters and digits (no character any file format needs to escape). */
export function generatePassword(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  const bytes = randomBytes(64);
  let out = '';
  for (const b of bytes) {
    // 256 - 256 % 57 = 228: reject the top values so every character is equally likely.
    if (b < 228) out += alphabet[b % alphabet.length];
    if (out.length === 32) return out;
  }
  return out + generatePassword().slice(0, 32 - out.length);
}
