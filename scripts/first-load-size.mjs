#!/usr/bin/env node
// The JavaScript a browser fetches before the first screen can run: every <script src> and
// <link rel="modulepreload"> of the built index.html, each counted once, raw and gzipped (level 9,
// what a gzip-serving proxy sends). Lazy chunks are listed apart: they load only when needed.
// Usage: node scripts/first-load-size.mjs [apps/web/dist] [--json]
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const args = process.argv.slice(2);
const json = args.includes('--json');
const dist = resolve(args.find((a) => !a.startsWith('--')) ?? 'apps/web/dist');

let html;
try {
  html = readFileSync(join(dist, 'index.html'), 'utf8');
} catch (err) {
  console.error(
    `cannot read ${dist}/index.html (${err.message}): build the page first with pnpm --filter @walboard/web run build`,
  );
  process.exit(1);
}

const eager = new Set();
for (const m of html.matchAll(/<script[^>]*\bsrc="([^"]+\.js)"/g)) eager.add(m[1]);
for (const m of html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+\.js)"/g)) eager.add(m[1]);
for (const m of html.matchAll(/<link[^>]*href="([^"]+\.js)"[^>]*rel="modulepreload"/g)) eager.add(m[1]);
if (eager.size === 0) {
  console.error(`${dist}/index.html loads no script: is it a vite build?`);
  process.exit(1);
}

const sizeOf = (file) => {
  const bytes = readFileSync(file);
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
};
const rel = (src) => src.replace(/^\//, '');
const first = [...eager].map((src) => ({ file: rel(src), ...sizeOf(join(dist, rel(src))) }));
const all = readdirSync(join(dist, 'assets'))
  .filter((f) => f.endsWith('.js'))
  .map((f) => `assets/${f}`);
const lazy = all
  .filter((f) => !first.some((e) => e.file === f))
  .map((file) => ({ file, ...sizeOf(join(dist, file)) }));
const sum = (list, k) => list.reduce((n, x) => n + x[k], 0);
const result = {
  firstLoad: { raw: sum(first, 'raw'), gzip: sum(first, 'gzip'), files: first },
  lazy: { raw: sum(lazy, 'raw'), gzip: sum(lazy, 'gzip'), files: lazy },
};
if (json) {
  console.log(JSON.stringify(result, null, 2));
} else {
  const kb = (n) => `${(n / 1000).toFixed(1)} kB`;
  console.log(
    `first load: ${kb(result.firstLoad.raw)} (${kb(result.firstLoad.gzip)} gzip) in ${first.length} file(s)`,
  );
  for (const f of first) console.log(`  ${f.file}  ${kb(f.raw)}  ${kb(f.gzip)} gzip`);
  console.log(
    `loaded when needed: ${kb(result.lazy.raw)} (${kb(result.lazy.gzip)} gzip) in ${lazy.length} file(s)`,
  );
  for (const f of lazy) console.log(`  ${f.file}  ${kb(f.raw)}  ${kb(f.gzip)} gzip`);
}
