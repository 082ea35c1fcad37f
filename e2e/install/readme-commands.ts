import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './run-command.ts';

/** Programs whose inline `code` in the README is a command a reader types, not a name or a path. */
const PROGRAMS = [
  'npm',
  'pnpm',
  'npx',
  'node',
  'walboard',
  'sudo',
  'systemctl',
  'systemd-analyze',
  'journalctl',
  'useradd',
  'install',
  'ln',
  'chmod',
  'ssh-keygen',
  'docker',
  'docker-compose',
  '/opt/walboard/bin/walboard.js',
];

/**
 * Every command README.md shows: each line of a ```sh block, and every inline code span that starts
 * with one of the programs above. Comments after `#` are dropped; placeholders stay as written.
 */
export function readmeCommands(text = readFileSync(join(repoRoot, 'README.md'), 'utf8')): string[] {
  const found = new Set<string>();
  const blocks = /```(?:sh|bash|shell)\n([\s\S]*?)```/g;
  for (const m of text.matchAll(blocks)) {
    for (const raw of (m[1] ?? '').split('\n')) {
      const line = raw.replace(/\s+#.*$/, '').trim();
      if (line && !line.startsWith('#')) found.add(line);
    }
  }
  // Every fenced block out (yaml too), so that its backticks do not pair with a code span's.
  const outside = text.replace(/```[\s\S]*?```/g, '');
  // A code span may run over a line break (Markdown reads it as a space).
  for (const m of outside.matchAll(/`([^`]+)`/g)) {
    const code = (m[1] ?? '').replace(/\s+/g, ' ').trim();
    // `NAME=value program …`: the program is the first word after the variables.
    const first = code.split(/\s+/).find((w) => !/^[A-Z_][A-Z0-9_]*=/.test(w)) ?? '';
    if (PROGRAMS.includes(first) && code.includes(' ')) found.add(code);
  }
  return [...found];
}
