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
  await t.writeFileAtomic(c.path, c.after, c.before?.mode ?? c.mode ?? 0o600);
  log.push(`written: ${c.path} (${Buffer.byteLength(c.after)} bytes)`);
  const back = await readText(t, c.path);
  const problems =
    back !== c.after
      ? [`${c.path} does not read back as written`]
      : c.format === 'text'
        ? []
        : verifyConfigText(back, c.expect);
  if (problems.length > 0) {
    if (c.before) {
      await t.writeFileAtomic(c.path, c.before.text, c.before.mode);
      log.push(`restored the original ${c.path}`);
    }
    fail(`read-back of ${c.path} on ${t.node} failed: ${problems.join('; ')}`);
  }
  if (c.format === 'text') log.push(`read back: ${c.path} holds exactly what was written`);
  for (const [name, value] of Object.entries(c.expect))
    log.push(`read back: ${name} = ${JSON.stringify(value)}`);
  return log;
}

/**
 * Reads a text file as it is now, computes its new text, and writes it through applyFileChange
 * (backup, atomic write, read-back) when it changed. Returns the log lines, or null when nothing
 * had to change. For steps whose new text depends on something known only when they run.
 */
export async function editTextFile(
  t: Transport,
  path: string,
  compute: (current: string | null) => { text: string; changed: boolean },
  opts: { backup: (path: string) => string; mode: number },
): Promise<string[] | null> {
  const current = await readText(t, path);
  const next = compute(current);
  if (!next.changed) return null;
  const mode = current === null ? opts.mode : ((await t.stat(path))?.mode ?? opts.mode) & 0o777;
  return applyFileChange(t, {
    path,
    before: current === null ? null : { text: current, mode },
    after: next.text,
    backup: current === null ? null : opts.backup(path),
    expect: {},
    format: 'text',
    mode: opts.mode,
  });
}
