import { readFileSync } from 'node:fs';

/**
 * The version in the package's own package.json, found at the same place relative to this file
 * from src/cli/ (a checkout) and dist/cli/ (the deployed copy).
 */
export function packageVersion(): string {
  const url = new URL('../../package.json', import.meta.url);
  const pkg = JSON.parse(readFileSync(url, 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}
