// The node setup shared with the Docker lab's node containers: docker/node-setup.sh. Its text is
// handed to `sh -c` (as host-init.ts does with its init script), so it runs inside a host as the
// postgres user even when that user cannot read this repository.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const NODE_SETUP_PATH = join(dirname(fileURLToPath(import.meta.url)), '../../docker/node-setup.sh');

let text: string | undefined;

/** Arguments of `sh` that run `node-setup.sh <command> <args…>` from the script's text. */
export function nodeSetupShArgs(
  command: 'initdb' | 'pg-conf' | 'sshd-config',
  args: readonly string[],
): string[] {
  text ??= readFileSync(NODE_SETUP_PATH, 'utf8');
  return ['-c', text, 'node-setup.sh', command, ...args];
}
