import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import { type WalboardConfig, walboardConfigSchema } from '@walboard/shared/config';
import { type Document, isMap, isNode, isSeq, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigProblem, fieldPath } from './config-error.ts';

/** A validated config plus where it came from (relative paths resolve against the file's folder). */
export interface LoadedConfig {
  file: string;
  config: WalboardConfig;
}

const MAX_CONFIG_BYTES = 1024 * 1024;

/** Reads, parses and validates walboard.yaml; throws ConfigError naming file, line and field. */
export async function loadConfig(file: string): Promise<LoadedConfig> {
  const abs = resolve(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
    if (text.length > MAX_CONFIG_BYTES) {
      throw new Error(
        `the file is larger than ${MAX_CONFIG_BYTES / 1024} KiB; is it really a walboard configuration?`,
      );
    }
  } catch (err) {
    const reason =
      (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message;
    throw new ConfigError(abs, [
      { line: null, column: null, field: '', message: `cannot read the file: ${reason}` },
    ]);
  }
  return { file: abs, config: parseConfigText(abs, text) };
}

/**
 * Parses YAML text as walboard.yaml (relative paths resolve against `file`'s folder). Exposed for
 * tests and for validating edits before saving.
 */
export function parseConfigText(file: string, text: string): WalboardConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return {
          line: pos?.line ?? null,
          column: pos?.col ?? null,
          field: '',
          message: `YAML syntax: ${e.message.split('\n')[0]}`,
        };
      }),
    );
  }
  let value: unknown;
  try {
    // Aliases are capped: a "billion laughs" file must not expand into gigabytes.
    value = doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (err) {
    throw new ConfigError(file, [
      { line: null, column: null, field: '', message: `YAML: ${(err as Error).message}` },
    ]);
  }
  const result = walboardConfigSchema.safeParse(value);
  if (result.success) return resolvePaths(file, result.data);
  throw new ConfigError(
    file,
    result.error.issues.flatMap((i) => locateIssue(doc, lineCounter, i)),
  );
}

function locateIssue(doc: Document, lc: LineCounter, issue: z.core.$ZodIssue): ConfigProblem[] {
  const path = issue.path;
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const pos = keyPosition(doc, lc, path, key);
      return {
        ...pos,
        field: fieldPath([...path, key]),
        message: `unknown key "${key}" (check its spelling)`,
      };
    });
  }
  return [{ ...nearestPosition(doc, lc, path), field: fieldPath(path), message: issue.message }];
}

type Pos = { line: number | null; column: number | null };

/** The line of the value at `path`, or of its nearest existing parent when the field is missing. */
function nearestPosition(doc: Document, lc: LineCounter, path: readonly PropertyKey[]): Pos {
  for (let n = path.length; n >= 0; n--) {
    const sub = path.slice(0, n) as (string | number)[];
    if (n > 0) {
      const keyPos = keyPosition(doc, lc, sub.slice(0, -1), sub[n - 1] as string | number);
      if (keyPos.line !== null) return keyPos;
    }
    const node = n === 0 ? doc.contents : doc.getIn(sub, true);
    if (isNode(node) && node.range) {
      const p = lc.linePos(node.range[0]);
      return { line: p.line, column: p.col };
    }
  }
  return { line: null, column: null };
}

/** The position of `key` inside the map at `parent` (a key's own line reads best in errors). */
function keyPosition(doc: Document, lc: LineCounter, parent: readonly PropertyKey[], key: PropertyKey): Pos {
  const container = parent.length === 0 ? doc.contents : doc.getIn(parent as (string | number)[], true);
  if (isMap(container)) {
    for (const pair of container.items) {
      if (
        isNode(pair.key) &&
        String((pair.key as { value?: unknown }).value) === String(key) &&
        pair.key.range
      ) {
        const p = lc.linePos(pair.key.range[0]);
        return { line: p.line, column: p.col };
      }
    }
  }
  if (isSeq(container) && typeof key === 'number') {
    const item = container.items[key];
    if (isNode(item) && item.range) {
      const p = lc.linePos(item.range[0]);
      return { line: p.line, column: p.col };
    }
  }
  return { line: null, column: null };
}

/** dataDir is relative to the config file; "~/" key paths are expanded for the controller's user. */
function resolvePaths(file: string, config: WalboardConfig): WalboardConfig {
  const base = dirname(file);
  const expand = (p: string) => (p.startsWith('~/') ? resolve(homedir(), p.slice(2)) : p);
  return {
    ...config,
    dataDir: isAbsolute(config.dataDir) ? config.dataDir : resolve(base, config.dataDir),
    clusters: config.clusters.map((c) => ({
      ...c,
      nodes: c.nodes.map((n) =>
        n.transport === 'ssh' ? { ...n, ssh: { ...n.ssh, privateKeyPath: expand(n.ssh.privateKeyPath) } } : n,
      ),
    })),
  };
}
