import type { Transport } from '../nodes/transport.ts';
import { verifyConfigText } from '../postgres/settings-file.ts';
import type { FileChange } from './plan-types.ts';

/** A file step that did not complete; `log` says what was done before it stopped. */
export class FileChangeError extends Error {
  constructor(
    message: string,
    readonly log: string[],
  ) {
    super(message);
    this.name = 'FileChangeError';
  }
}

async function readText(t: Transport, path: string): Promise<string | null> {
  try {
    return (await t.readFile(path)).toString('utf8');
  } catch (err) {
    if ((err as { code?: string }).code === 'not-found') return null;
    throw err;
  }
}

/**
 * Makes one planned config change: refuses when the file changed since it was planned, writes
 * the backup first (and reads it back), writes the new text atomically, then reads the file
 * again and parses it — every value must be exactly what was asked. On a failed read-back the
 * original is put back. Returns the lines to show as the step's output.
 */
export async function applyFileChange(t: Transport, c: FileChange): Promise<string[]> {
  const log: string[] = [];
  const fail = (msg: string): never => {
    throw new FileChangeError(msg, log);
  };
  const current = await readText(t, c.path);
  if (current !== (c.before?.text ?? null)) {
    fail(
      `${c.path} on ${t.node} changed since the plan was made (someone else edited it): plan the operation again and review the new diff`,
    );
  }
  if (c.backup && c.before) {
    await t.writeFileAtomic(c.backup, c.before.text, 0o600);
    if ((await readText(t, c.backup)) !== c.before.text)
      fail(`backup ${c.backup} on ${t.node} does not read back as the original; nothing was changed`);
    log.push(`backup written: ${c.backup}`);
  }
  await t.writeFileAtomic(c.path, c.after, c.before?.mode ?? 0o600);
  log.push(`written: ${c.path} (${Buffer.byteLength(c.after)} bytes)`);
  const back = await readText(t, c.path);
  const problems =
    back === c.after ? verifyConfigText(back, c.expect) : [`${c.path} does not read back as written`];
  if (problems.length > 0) {
    if (c.before) {
      await t.writeFileAtomic(c.path, c.before.text, c.before.mode);
      log.push(`restored the original ${c.path}`);
    }
    fail(`read-back of ${c.path} on ${t.node} failed: ${problems.join('; ')}`);
  }
  for (const [name, value] of Object.entries(c.expect))
    log.push(`read back: ${name} = ${JSON.stringify(value)}`);
  return log;
}
